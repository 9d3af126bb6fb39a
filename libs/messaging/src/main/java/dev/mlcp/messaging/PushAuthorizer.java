package dev.mlcp.messaging;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.json.JsonValue;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Decides whether a push request may be processed. In {@code google-oidc} mode the bearer token has
 * already been verified by the {@code pubsub-push} OIDC tenant (signature against Google's JWKS,
 * expiry); this adds the checks Google documents for push tokens: issuer, audience, the push
 * service account's email and {@code email_verified}.
 */
@Singleton
public class PushAuthorizer {
  private final PubSubConfig.Push config;

  @Inject
  public PushAuthorizer(PubSubConfig config) {
    this.config = config.push();
  }

  /** Why the request is refused, or empty when it may proceed. Never includes the token. */
  public Optional<String> refusal(SecurityIdentity identity) {
    if (config.auth() == PubSubConfig.PushAuth.NONE) {
      return Optional.empty();
    }
    if (identity == null || identity.isAnonymous()) {
      return Optional.of(
          "push request carries no bearer token; configure the push subscription with an OIDC"
              + " token (--push-auth-service-account)");
    }
    if (!(identity.getPrincipal() instanceof JsonWebToken token)) {
      return Optional.of("push request was not authenticated with a Google-signed OIDC token");
    }
    if (!config.issuers().contains(token.getIssuer())) {
      return Optional.of("token issuer is not one of " + config.issuers());
    }
    String audience = config.audience().orElseThrow();
    if (token.getAudience() == null || !token.getAudience().contains(audience)) {
      return Optional.of(
          "token audience does not match mlcp.pubsub.push.audience; set the push subscription's"
              + " audience to it");
    }
    String expected = config.serviceAccount().orElseThrow();
    String email = token.getClaim("email") == null ? null : token.getClaim("email").toString();
    if (email != null && email.startsWith("\"")) {
      email = email.substring(1, email.length() - 1);
    }
    if (!expected.equals(email)) {
      return Optional.of(
          "token email is not the push service account set in mlcp.pubsub.push.service-account");
    }
    if (!verified(token.getClaim("email_verified"))) {
      return Optional.of("token email is not verified");
    }
    return Optional.empty();
  }

  private static boolean verified(Object claim) {
    return Boolean.TRUE.equals(claim)
        || JsonValue.TRUE.equals(claim)
        || (claim != null && "true".equals(claim.toString()));
  }
}
