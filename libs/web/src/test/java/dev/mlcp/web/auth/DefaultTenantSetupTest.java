package dev.mlcp.web.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.oidc.OidcTenantConfig;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DefaultTenantSetupTest {

  private static AuthConfig config(
      AuthConfig.Mode mode, Optional<String> keyLocation, Optional<List<String>> issuers) {
    return new AuthConfig() {
      @Override
      public Mode mode() {
        return mode;
      }

      @Override
      public List<String> audiences() {
        return List.of("https://svc.a.run.app");
      }

      @Override
      public Optional<List<String>> issuers() {
        return issuers;
      }

      @Override
      public Optional<Set<String>> admins() {
        return Optional.of(Set.of(" Boss@Example.com"));
      }

      @Override
      public Optional<Set<String>> allowedDomains() {
        return Optional.empty();
      }

      @Override
      public Google google() {
        return () -> "https://accounts.google.com";
      }

      @Override
      public Local local() {
        return () -> keyLocation;
      }
    };
  }

  @Test
  void google_mode_discovers_google_and_leaves_issuer_to_the_augmentor() {
    OidcTenantConfig tenant =
        DefaultTenantSetup.tenantConfig(
            config(AuthConfig.Mode.GOOGLE, Optional.empty(), Optional.empty()));
    assertThat(tenant.tenantId()).contains("Default");
    assertThat(tenant.authServerUrl()).contains("https://accounts.google.com");
    assertThat(tenant.publicKey()).isEmpty();
    assertThat(tenant.token().issuer()).contains("any");
    assertThat(tenant.token().audience()).contains(List.of("https://svc.a.run.app"));
  }

  @Test
  void local_mode_verifies_with_the_key_and_the_single_local_issuer() {
    OidcTenantConfig tenant =
        DefaultTenantSetup.tenantConfig(
            config(
                AuthConfig.Mode.LOCAL,
                Optional.of("classpath:dev/mlcp/testing/test-only-public-key.pem"),
                Optional.empty()));
    assertThat(tenant.authServerUrl()).isEmpty();
    assertThat(tenant.publicKey()).hasValueSatisfying(key -> assertThat(key).startsWith("MII"));
    assertThat(tenant.token().issuer()).contains("https://mlcp.local");
  }

  @Test
  void local_mode_without_key_fails_naming_the_key() {
    assertThatThrownBy(
            () ->
                DefaultTenantSetup.tenantConfig(
                    config(AuthConfig.Mode.LOCAL, Optional.empty(), Optional.empty())))
        .hasMessageContaining("mlcp.auth.local.public-key-location");
  }

  @Test
  void google_mode_with_a_local_key_fails_fast() {
    assertThatThrownBy(
            () ->
                DefaultTenantSetup.tenantConfig(
                    config(AuthConfig.Mode.GOOGLE, Optional.of("/tmp/key.pem"), Optional.empty())))
        .hasMessageContaining("mlcp.auth.mode");
  }

  @Test
  void private_key_file_is_refused_as_public_key() {
    assertThatThrownBy(
            () ->
                DefaultTenantSetup.readPublicKey(
                    "classpath:dev/mlcp/testing/test-only-private-key.pem"))
        .hasMessageContaining("private key");
  }

  @Test
  void admins_match_ignoring_case_and_spaces() {
    AuthConfig config = config(AuthConfig.Mode.GOOGLE, Optional.empty(), Optional.empty());
    assertThat(config.isAdmin("boss@example.com")).isTrue();
    assertThat(config.isAdmin("other@example.com")).isFalse();
    assertThat(config.isAdmin(null)).isFalse();
  }
}
