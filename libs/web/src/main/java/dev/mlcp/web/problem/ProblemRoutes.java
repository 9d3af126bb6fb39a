package dev.mlcp.web.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Problem+json for failures outside JAX-RS: authentication and authorization failures raised by the
 * HTTP security layer (a missing or invalid bearer token never reaches a resource), paths no route
 * serves, and errors of other Vert.x routes.
 */
@ApplicationScoped
public class ProblemRoutes {

  private static final Logger LOG = Logger.getLogger(ProblemRoutes.class);

  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";

  private final ObjectMapper mapper;
  private final long maxBodyBytes;

  ProblemRoutes(
      ObjectMapper mapper,
      @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
          MemorySize maxBody) {
    this.mapper = mapper;
    this.maxBodyBytes = maxBody.asLongValue();
  }

  void install(@Observes Router router) {
    // A body over the limit declared up front is refused with a problem before it is read (the
    // body handler would answer a bare 413).
    router.route().order(Integer.MIN_VALUE).handler(this::refuseOversizedBody);
    // First among failure handlers so Quarkus' default (empty 401, HTML/JSON 500) never answers.
    router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
    // Reached only when no other route handled the request.
    router.route().last().handler(this::onUnrouted);
  }

  void onFailure(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.next();
      return;
    }
    Throwable failure = rootCause(ctx.failure());
    String instance = ctx.request().path();
    if (failure instanceof AuthenticationRedirectException) {
      ctx.next();
    } else if (failure instanceof AuthenticationFailedException
        || failure instanceof AuthenticationCompletionException
        || failure instanceof UnauthorizedException) {
      if (!ctx.response().headers().contains(WWW_AUTHENTICATE)) {
        ctx.response().putHeader(WWW_AUTHENTICATE, "Bearer");
      }
      send(ctx, Problems.unauthenticated(instance));
    } else if (failure instanceof ForbiddenException) {
      send(ctx, Problems.forbidden(null, instance));
    } else if (failure instanceof HttpException http && http.getStatusCode() < 500) {
      send(
          ctx,
          Problems.forStatus(
              http.getStatusCode(), Problems.reason(http.getStatusCode()), instance));
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      send(ctx, Problems.forStatus(ctx.statusCode(), Problems.reason(ctx.statusCode()), instance));
    } else {
      String id = Problems.correlationId(ctx.request()::getHeader);
      LOG.errorf(failure, "Unexpected error on %s [correlationId=%s]", instance, id);
      send(ctx, Problems.internal(instance, id));
    }
  }

  void refuseOversizedBody(RoutingContext ctx) {
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        declared = -1;
      }
      if (declared > maxBodyBytes) {
        String path = ctx.request().path();
        ctx.response().putHeader("Connection", "close");
        send(
            ctx,
            new Problem(
                Problem.type("payload-too-large"),
                "Payload too large",
                413,
                "The request body has "
                    + declared
                    + " bytes; this service accepts at most "
                    + maxBodyBytes
                    + ".",
                path,
                null,
                null));
        return;
      }
    }
    ctx.next();
  }

  void onUnrouted(RoutingContext ctx) {
    String path = ctx.request().path();
    send(
        ctx,
        new Problem(
            Problem.type("not-found"),
            "Not found",
            404,
            "Nothing is served at " + path + ".",
            path,
            null,
            null));
  }

  private void send(RoutingContext ctx, Problem problem) {
    String body;
    try {
      body = mapper.writeValueAsString(problem);
    } catch (JsonProcessingException e) {
      body = "{\"status\":" + problem.status() + "}";
    }
    ctx.response()
        .setStatusCode(problem.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
        .end(body);
  }

  private static Throwable rootCause(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
