package dev.mlcp.web.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.web.ApiException;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps every exception that leaves a JAX-RS resource to an RFC 9457 problem+json response. The
 * priority beats the built-in mappers of quarkus-rest, -rest-jackson and -hibernate-validator.
 */
public class ProblemMappers {

  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
  private static final int PRIORITY = Priorities.USER - 100;

  /** Response headers of a WebApplicationException worth keeping (Allow of a 405, etc.). */
  private static final Set<String> KEPT_HEADERS =
      Set.of("allow", "www-authenticate", "retry-after", "location", "etag");

  private final ObjectMapper mapper;

  ProblemMappers(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response apiException(ApiException e, UriInfo uri, HttpHeaders headers) {
    List<FieldError> errors =
        e.field().map(field -> List.of(new FieldError(field, e.getMessage()))).orElse(null);
    String correlationId = null;
    if (e.status() >= 500) {
      // Upstream trouble: worth a log line with its cause, and a correlation id for the user.
      correlationId = Problems.correlationId(headers::getHeaderString);
      LOG.warnf(e, "%d %s [correlationId=%s]", e.status(), e.getMessage(), correlationId);
    }
    Problem problem =
        new Problem(
            Problem.type(e.kind()),
            e.title(),
            e.status(),
            e.getMessage(),
            path(uri),
            errors,
            correlationId);
    return e.retryAfter()
        .map(after -> Problems.response(problem, after))
        .orElseGet(() -> Problems.response(problem));
  }

  /**
   * A platform failure nothing above handled: the status tells the caller what to do (retry later,
   * resolve a conflict) and a missing permission is reported as the operator's problem.
   */
  @ServerExceptionMapper(priority = PRIORITY)
  Response platformException(PlatformException e, UriInfo uri, HttpHeaders headers) {
    return apiException(PlatformProblems.toApiException(e), uri, headers);
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response constraintViolation(ConstraintViolationException e, UriInfo uri, HttpHeaders headers) {
    Set<ConstraintViolation<?>> violations = e.getConstraintViolations();
    if (violations != null && violations.stream().anyMatch(ProblemMappers::onReturnValue)) {
      // A response the server built is invalid: a server bug, not the client's fault.
      return internal(e, uri, headers);
    }
    List<FieldError> errors =
        violations == null
            ? List.of()
            : violations.stream()
                .map(v -> new FieldError(FieldPaths.fromViolation(v, mapper), v.getMessage()))
                .sorted(Comparator.comparing(FieldError::field).thenComparing(FieldError::message))
                .toList();
    return Problems.response(
        Problems.invalidRequest(summary(errors), path(uri), errors.isEmpty() ? null : errors));
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response jsonProcessing(JsonProcessingException e, UriInfo uri, HttpHeaders headers) {
    if (e instanceof InvalidDefinitionException) {
      // The target type cannot be built from JSON at all: a server bug.
      return internal(e, uri, headers);
    }
    return badJson(e, uri);
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
    return badJson(e, uri);
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response notFound(NotFoundException e, UriInfo uri) {
    return Problems.response(
        new Problem(
            Problem.type("not-found"),
            "Not found",
            404,
            "Nothing is served at " + path(uri) + ".",
            path(uri),
            null,
            null));
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response webApplication(WebApplicationException e, UriInfo uri, HttpHeaders headers) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof JsonProcessingException json) {
        return jsonProcessing(json, uri, headers);
      }
    }
    int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
    if (status >= 500) {
      return internal(e, uri, headers);
    }
    Response.ResponseBuilder builder =
        Response.fromResponse(
                Problems.response(
                    Problems.forStatus(
                        status, Problems.reason(status) + " (" + path(uri) + ")", path(uri))))
            .status(status);
    if (e.getResponse() != null) {
      for (Map.Entry<String, List<Object>> header : e.getResponse().getHeaders().entrySet()) {
        if (KEPT_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
          builder.header(
              header.getKey(), header.getValue().isEmpty() ? null : header.getValue().get(0));
        }
      }
    }
    return builder.build();
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
    return unauthenticated(uri);
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response authenticationCompletion(AuthenticationCompletionException e, UriInfo uri) {
    return unauthenticated(uri);
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response unauthorized(UnauthorizedException e, UriInfo uri) {
    return unauthenticated(uri);
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response forbidden(ForbiddenException e, UriInfo uri) {
    return Problems.response(Problems.forbidden(null, path(uri)));
  }

  @ServerExceptionMapper(priority = PRIORITY)
  Response unexpected(Throwable e, UriInfo uri, HttpHeaders headers) {
    return internal(e, uri, headers);
  }

  private Response badJson(JsonProcessingException e, UriInfo uri) {
    FieldError error = FieldPaths.fromJson(e);
    return Problems.response(
        Problems.invalidRequest(
            "The request body could not be read: " + error.field() + " " + error.message() + ".",
            path(uri),
            List.of(error)));
  }

  private static Response unauthenticated(UriInfo uri) {
    return Response.fromResponse(Problems.response(Problems.unauthenticated(path(uri))))
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .build();
  }

  private static Response internal(Throwable e, UriInfo uri, HttpHeaders headers) {
    String id = Problems.correlationId(headers::getHeaderString);
    LOG.errorf(e, "Unexpected error on %s [correlationId=%s]", path(uri), id);
    return Problems.response(Problems.internal(path(uri), id));
  }

  private static boolean onReturnValue(ConstraintViolation<?> violation) {
    for (Path.Node node : violation.getPropertyPath()) {
      if (node.getKind() == ElementKind.RETURN_VALUE) {
        return true;
      }
    }
    return false;
  }

  private static String summary(List<FieldError> errors) {
    if (errors.isEmpty()) {
      return "The request is invalid.";
    }
    return errors.size() == 1
        ? "The request is invalid: " + errors.get(0).field() + " " + errors.get(0).message() + "."
        : "The request has " + errors.size() + " invalid fields; see errors.";
  }

  private static String path(UriInfo uri) {
    return uri.getRequestUri().getRawPath();
  }
}
