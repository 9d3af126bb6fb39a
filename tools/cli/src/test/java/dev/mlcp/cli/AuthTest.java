package dev.mlcp.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.mlcp.cli.auth.CloudTokens;
import dev.mlcp.cli.auth.LocalTokens;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Where tokens come from, and that only {@code auth print-token} prints one. */
class AuthTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  @Test
  void local_tokens_are_rs256_with_the_claims_local_services_check() throws Exception {
    Cli cli = Cli.local(dir, wm.getPort()).env("MLCP_EMAIL", "bob@mlcp.local");

    Cli.Result r = cli.run("auth", "print-token");

    String[] parts = r.out().strip().split("\\.");
    assertThat(parts).hasSize(3);
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(cli.keys().getPublic());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(rsa.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    ObjectMapper json = new ObjectMapper();
    JsonNode header = json.readTree(Base64.getUrlDecoder().decode(parts[0]));
    JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(parts[1]));
    assertThat(header.path("alg").asText()).isEqualTo("RS256");
    assertThat(header.path("kid").asText()).isEqualTo("mlcp-local");
    assertThat(claims.path("iss").asText()).isEqualTo("https://mlcp.local");
    assertThat(claims.path("aud").asText()).isEqualTo("mlcp-local");
    assertThat(claims.path("email").asText()).isEqualTo("bob@mlcp.local");
    assertThat(claims.path("email_verified").asBoolean()).isTrue();
    assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
  }

  @Test
  void a_local_token_is_renewed_at_half_its_life_for_long_lived_callers_like_the_console() {
    Cli.local(dir, wm.getPort());
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T06:00:00Z"));
    Clock clock =
        new Clock() {
          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    LocalTokens tokens = new LocalTokens(dir.resolve("home/auth"), "a@b.c", clock);
    URI service = URI.create("http://127.0.0.1:1");

    String first = tokens.token(service);
    now.set(now.get().plusSeconds(29 * 60));
    assertThat(tokens.token(service)).isEqualTo(first);
    now.set(now.get().plusSeconds(2 * 60));
    assertThat(tokens.token(service)).isNotEqualTo(first);
  }

  @Test
  void as_overrides_the_local_identity_and_is_refused_in_the_cloud() throws Exception {
    Cli.Result local =
        Cli.local(dir, wm.getPort()).run("--as", "ci@mlcp.local", "auth", "print-token");
    Cli.Result cloud =
        Cli.cloud(dir, wm.getPort()).run("--as", "ci@mlcp.local", "auth", "print-token");

    String claims =
        new String(
            Base64.getUrlDecoder().decode(local.out().strip().split("\\.")[1]),
            StandardCharsets.UTF_8);
    assertThat(claims).contains("\"email\":\"ci@mlcp.local\"");
    assertThat(cloud.exitCode()).isEqualTo(2);
    assertThat(cloud.out()).isEmpty();
  }

  @Test
  void no_local_key_is_a_permission_error_saying_to_start_local_mode() {
    LocalTokens tokens = new LocalTokens(dir.resolve("nothing"), "a@b.c", Clock.systemUTC());

    assertThatThrownBy(() -> tokens.token(URI.create("http://127.0.0.1:1")))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(4))
        .hasMessageContaining("mlcp local up");
  }

  @Test
  void commands_send_the_token_but_never_print_it() {
    wm.stubFor(get(urlPathEqualTo("/v1/runs")).willReturn(okJson("{\"runs\":[]}")));
    Cli cli = Cli.local(dir, wm.getPort());
    String token = cli.run("auth", "print-token").out().strip();

    Cli.Result list = cli.run("runs", "list", "--format", "json");
    Cli.Result status = cli.run("auth", "status");

    wm.verify(
        getRequestedFor(urlPathEqualTo("/v1/runs"))
            .withHeader(
                "Authorization",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo("Bearer " + token)));
    assertThat(list.out() + list.err() + status.out() + status.err()).doesNotContain(token);
    assertThat(status.out())
        .contains("mode     local")
        .contains("local key")
        .contains("as demo@mlcp.local");
  }

  @Test
  void cloud_tokens_come_from_adc_first_with_the_service_url_as_audience() {
    List<String> calls = new ArrayList<>();
    CloudTokens tokens =
        new CloudTokens(
            aud -> {
              calls.add("adc " + aud);
              return "adc-token";
            },
            aud -> {
              calls.add("gcloud");
              return "gcloud-token";
            });

    String t = tokens.token(URI.create("https://training-runner-xyz.a.run.app"));
    tokens.token(URI.create("https://training-runner-xyz.a.run.app"));

    assertThat(t).isEqualTo("adc-token");
    assertThat(calls).containsExactly("adc https://training-runner-xyz.a.run.app");
    assertThat(tokens.describe()).isEqualTo("Application Default Credentials");
  }

  @Test
  void cloud_tokens_fall_back_to_gcloud_and_fail_with_both_reasons() {
    CloudTokens fallback =
        new CloudTokens(
            aud -> {
              throw new CloudTokens.Unavailable("are UserCredentials, which mint no ID tokens");
            },
            aud -> "gcloud-token");
    CloudTokens neither =
        new CloudTokens(
            aud -> {
              throw new CloudTokens.Unavailable("not found");
            },
            aud -> {
              throw new CloudTokens.Unavailable("is not installed");
            });

    assertThat(fallback.token(URI.create("https://a.run.app"))).isEqualTo("gcloud-token");
    assertThat(fallback.describe()).isEqualTo("gcloud auth print-identity-token");
    assertThatThrownBy(() -> neither.token(URI.create("https://a.run.app")))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(4))
        .hasMessage(
            "no Google ID token: ADC not found; gcloud is not installed (gcloud auth login, or gcloud"
                + " auth application-default login)");
  }

  @Test
  void the_mode_picks_the_token_source() {
    Env env = new Env(java.util.Map.of(), dir);
    Endpoints local = new Endpoints(Mode.LOCAL, dir, java.util.Map.of());
    Endpoints cloud = new Endpoints(Mode.CLOUD, dir, java.util.Map.of());

    assertThat(Mlcp.tokenSource(local, "a@b.c")).isInstanceOf(LocalTokens.class);
    assertThat(Mlcp.tokenSource(cloud, "a@b.c")).isInstanceOf(CloudTokens.class);
    assertThat(env.get("X")).isNull();
  }
}
