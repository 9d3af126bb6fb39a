package dev.mlcp.web;

import dev.mlcp.platform.instances.GceNames;
import dev.mlcp.web.auth.Roles;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.Locale;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The authenticated person or service account making the current request, taken from the verified
 * DEFAULT-tenant token. Inject it into resources ({@code @Inject Caller caller}); it is request
 * scoped, so singleton resources see the caller of each request.
 */
@RequestScoped
public class Caller {

  private final SecurityIdentity identity;

  @Inject
  Caller(SecurityIdentity identity) {
    this.identity = identity;
  }

  /** The caller's verified email, lower-cased: the owner recorded on what they create. */
  public String email() {
    return token().getName().toLowerCase(Locale.ROOT);
  }

  /** The token subject ({@code sub}), stable even if the email changes. */
  public String subject() {
    return token().getSubject();
  }

  /** True when the email is listed in {@code mlcp.auth.admins}. */
  public boolean admin() {
    token();
    return identity.hasRole(Roles.ADMIN);
  }

  /** The email as a GCE label value, for {@code mlcp-owner} labels. */
  public String ownerLabel() {
    return GceNames.safeLabelValue(email());
  }

  /** True when the caller owns {@code ownerEmail}'s resources or is an admin. */
  public boolean isOwnerOrAdmin(String ownerEmail) {
    return admin() || (ownerEmail != null && email().equalsIgnoreCase(ownerEmail.trim()));
  }

  /**
   * Throws {@link ApiException.Forbidden} unless the caller owns the resource or is an admin.
   *
   * @param ownerEmail the email recorded as owner of the resource
   */
  public void requireOwnerOrAdmin(String ownerEmail) {
    if (!isOwnerOrAdmin(ownerEmail)) {
      throw new ApiException.Forbidden("Only the owner or an admin may do this.");
    }
  }

  /** Throws {@link ApiException.Forbidden} unless the caller is an admin. */
  public void requireAdmin() {
    if (!admin()) {
      throw new ApiException.Forbidden("Only an admin may do this.");
    }
  }

  private JsonWebToken token() {
    // Endpoints are authenticated by policy; this guards a resource that was opened by mistake.
    if (identity.isAnonymous()
        || !(identity.getPrincipal() instanceof JsonWebToken jwt)
        || !identity.hasRole(Roles.USER)) {
      throw new UnauthorizedException();
    }
    return jwt;
  }
}
