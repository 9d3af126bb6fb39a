package dev.mlcp.web.auth;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The permission policy {@value #NAME}: like the built-in {@code authenticated}, but an anonymous
 * request fails the routing context with {@link UnauthorizedException} instead of ending it with an
 * empty challenge, so {@link dev.mlcp.web.problem.ProblemRoutes} answers with problem+json.
 */
@ApplicationScoped
public class AuthenticatedPolicy implements HttpSecurityPolicy {

  /** The name to use in {@code quarkus.http.auth.permission.<name>.policy}. */
  public static final String NAME = "mlcp-authenticated";

  @Override
  public Uni<CheckResult> checkPermission(
      RoutingContext request,
      Uni<SecurityIdentity> identity,
      AuthorizationRequestContext requestContext) {
    return identity
        .onItem()
        .transformToUni(
            caller ->
                caller.isAnonymous()
                    ? Uni.createFrom().failure(new UnauthorizedException())
                    : Uni.createFrom().item(CheckResult.PERMIT));
  }

  @Override
  public String name() {
    return NAME;
  }
}
