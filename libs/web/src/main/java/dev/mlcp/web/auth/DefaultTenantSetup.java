package dev.mlcp.web.auth;

import io.quarkus.oidc.Oidc;
import io.quarkus.oidc.OidcTenantConfig;
import io.quarkus.oidc.OidcTenantConfigBuilder;
import io.quarkus.oidc.runtime.OidcTenantConfig.ApplicationType;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates the DEFAULT OIDC tenant from {@link AuthConfig} in code, so one runtime switch ({@code
 * mlcp.auth.mode}) chooses between Google discovery and a local public key; quarkus-oidc uses a
 * public key only when no auth-server-url is set, which properties alone cannot toggle at runtime.
 * Named tenants (such as the Pub/Sub push tenant) are untouched.
 */
class DefaultTenantSetup {

  private static final Logger LOG = Logger.getLogger(DefaultTenantSetup.class);

  /** quarkus-oidc's id of the default tenant. */
  static final String DEFAULT_TENANT_ID = "Default";

  void createDefaultTenant(@Observes Oidc oidc, AuthConfig config) {
    oidc.create(tenantConfig(config));
  }

  static OidcTenantConfig tenantConfig(AuthConfig config) {
    List<String> issuers = config.acceptedIssuers();
    OidcTenantConfigBuilder builder =
        switch (config.mode()) {
          case GOOGLE -> {
            if (config.local().publicKeyLocation().isPresent()) {
              throw new IllegalStateException(
                  "mlcp.auth.local.public-key-location is set but mlcp.auth.mode=google;"
                      + " remove it or set mlcp.auth.mode=local");
            }
            yield OidcTenantConfig.authServerUrl(config.google().authServerUrl());
          }
          case LOCAL ->
              OidcTenantConfig.builder()
                  .publicKey(
                      readPublicKey(
                          config
                              .local()
                              .publicKeyLocation()
                              .orElseThrow(
                                  () ->
                                      new IllegalStateException(
                                          "mlcp.auth.local.public-key-location must be set when"
                                              + " mlcp.auth.mode=local"))));
        };
    LOG.infof(
        "Default OIDC tenant: mode=%s, issuers=%s, audiences=%s",
        config.mode(), issuers, config.audiences());
    return builder
        .tenantId(DEFAULT_TENANT_ID)
        .applicationType(ApplicationType.SERVICE)
        .token()
        .audience(config.audiences())
        // Google uses two issuer spellings; several issuers are checked by CallerAugmentor.
        .issuer(issuers.size() == 1 ? issuers.get(0) : "any")
        .principalClaim("email")
        .end()
        .build();
  }

  /** The key as quarkus-oidc wants it: the base64 body of the PEM, no armour or whitespace. */
  static String readPublicKey(String location) {
    String pem;
    try {
      if (location.startsWith("classpath:")) {
        String resource = location.substring("classpath:".length()).replaceFirst("^/", "");
        try (InputStream in =
            Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException(
                "mlcp.auth.local.public-key-location: no classpath resource " + resource);
          }
          pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
      } else {
        Path path = Path.of(location);
        if (!Files.isReadable(path)) {
          throw new IllegalStateException(
              "mlcp.auth.local.public-key-location: cannot read file " + path);
        }
        pem = Files.readString(path, StandardCharsets.US_ASCII);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("mlcp.auth.local.public-key-location: " + location, e);
    }
    if (pem.contains("PRIVATE KEY")) {
      throw new IllegalStateException(
          "mlcp.auth.local.public-key-location points at a private key; use the public key file");
    }
    return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
  }
}
