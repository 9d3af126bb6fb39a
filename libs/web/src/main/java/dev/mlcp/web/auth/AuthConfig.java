package dev.mlcp.web.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Who may call an mlcp service: the DEFAULT OIDC tenant and the admin list. */
@ConfigMapping(prefix = "mlcp.auth")
public interface AuthConfig {

  /** Issuer of the tokens the local launcher and {@code mlcp-token} mint. */
  String LOCAL_ISSUER = "https://mlcp.local";

  /** Audience the local launcher and {@code mlcp-token} use unless told otherwise. */
  String LOCAL_AUDIENCE = "mlcp-local";

  /** The admin email {@code mlcp-token mint --admin} uses; list it in {@code mlcp.auth.admins}. */
  String LOCAL_ADMIN_EMAIL = "admin@mlcp.local";

  /** Google issuers: ID tokens carry either form. */
  List<String> GOOGLE_ISSUERS = List.of("https://accounts.google.com", "accounts.google.com");

  /** Google ID tokens through OIDC discovery (cloud), or a local public key (local mode, tests). */
  @WithDefault("google")
  Mode mode();

  /** Accepted {@code aud} values: the Cloud Run service URL(s) or OAuth client ids. */
  List<String> audiences();

  /** Accepted {@code iss} values; unset means Google's two forms, or https://mlcp.local locally. */
  Optional<List<String>> issuers();

  /** Emails that hold the admin role (compared case-insensitively). */
  Optional<Set<String>> admins();

  /**
   * Email domains whose identities may call at all (e.g. {@code example.com,
   * my-project.iam.gserviceaccount.com}); unset accepts any verified Google identity that has the
   * audience. Admins are always accepted. Set it in production: a Google ID token for the service's
   * audience can be minted by any Google account.
   */
  Optional<Set<String>> allowedDomains();

  /** Settings of google mode. */
  Google google();

  /** Settings of local mode. */
  Local local();

  /** Settings of google mode. */
  interface Google {
    /** OIDC discovery base URL; only tests point it at a local stand-in for Google. */
    @WithDefault("https://accounts.google.com")
    String authServerUrl();
  }

  /** Settings of local mode. */
  interface Local {
    /** PEM public key verifying local tokens: a file path, or {@code classpath:} + resource. */
    Optional<String> publicKeyLocation();
  }

  /** Where token signatures are checked. */
  enum Mode {
    /** Google's JWKS, found through https://accounts.google.com discovery. */
    GOOGLE,
    /** The public key at {@code mlcp.auth.local.public-key-location}; no network. */
    LOCAL
  }

  /** The issuers accepted in this configuration. */
  default List<String> acceptedIssuers() {
    return issuers().orElse(mode() == Mode.GOOGLE ? GOOGLE_ISSUERS : List.of(LOCAL_ISSUER));
  }

  /** True when {@code email} may call: an admin, or in an allowed domain (or no list is set). */
  default boolean isAllowed(String email) {
    if (email == null) {
      return false;
    }
    if (allowedDomains().isEmpty() || isAdmin(email)) {
      return true;
    }
    int at = email.lastIndexOf('@');
    String domain = at < 0 ? "" : email.substring(at + 1).trim();
    return allowedDomains().get().stream().anyMatch(d -> d.trim().equalsIgnoreCase(domain));
  }

  /** True when {@code email} is listed in {@code mlcp.auth.admins}. */
  default boolean isAdmin(String email) {
    return email != null
        && admins().orElse(Set.of()).stream()
            .anyMatch(admin -> admin.trim().equalsIgnoreCase(email));
  }
}
