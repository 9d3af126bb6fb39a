package dev.mlcp.web.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Turns a verified DEFAULT-tenant token into an mlcp identity: checks the issuer against the
 * accepted list and requires a verified email (the owner of everything the caller creates), then
 * grants role {@value Roles#USER}, plus {@value Roles#ADMIN} for emails in {@code
 * mlcp.auth.admins}. Identities of other tenants (Pub/Sub push) pass through unchanged.
 */
@ApplicationScoped
public class CallerAugmentor implements SecurityIdentityAugmentor {

  private final AuthConfig config;

  CallerAugmentor(AuthConfig config) {
    this.config = config;
  }

  @Override
  public Uni<SecurityIdentity> augment(
      SecurityIdentity identity, AuthenticationRequestContext context) {
    if (identity.isAnonymous()
        || !(identity.getPrincipal() instanceof JsonWebToken jwt)
        || !DefaultTenantSetup.DEFAULT_TENANT_ID.equals(identity.getAttribute("tenant-id"))) {
      return Uni.createFrom().item(identity);
    }
    try {
      return Uni.createFrom().item(augment(identity, jwt));
    } catch (AuthenticationFailedException e) {
      return Uni.createFrom().failure(e);
    }
  }

  private SecurityIdentity augment(SecurityIdentity identity, JsonWebToken jwt) {
    if (!config.acceptedIssuers().contains(jwt.getIssuer())) {
      // The reason goes to the debug log of quarkus-security, never the token itself.
      throw new AuthenticationFailedException("token issuer is not accepted");
    }
    String email = claimText(jwt.getClaim("email"));
    if (email == null || email.isBlank()) {
      throw new AuthenticationFailedException("token has no email claim");
    }
    String verified = claimText(jwt.getClaim("email_verified"));
    if (!"true".equalsIgnoreCase(verified)) {
      // Absent counts as unverified: an unverified email could name anyone's account.
      throw new AuthenticationFailedException("token email is not verified");
    }
    if (!config.isAllowed(email)) {
      throw new AuthenticationFailedException("token email is not in an allowed domain");
    }
    QuarkusSecurityIdentity.Builder builder =
        QuarkusSecurityIdentity.builder(identity).addRole(Roles.USER);
    if (config.isAdmin(email)) {
      builder.addRole(Roles.ADMIN);
    }
    return builder.build();
  }

  /** A claim as text: JSON strings unquoted, JSON booleans as true/false, absent as null. */
  static String claimText(Object claim) {
    if (claim == null) {
      return null;
    }
    if (claim instanceof JsonString string) {
      return string.getString();
    }
    if (claim instanceof JsonValue value) {
      return switch (value.getValueType()) {
        case TRUE -> "true";
        case FALSE -> "false";
        case NULL -> null;
        default -> value.toString();
      };
    }
    return claim.toString();
  }
}
