package dev.mlcp.web.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.web.auth.AuthConfig;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stand-in for a service's Google ID tokens: what services in local mode accept. */
class LocalServiceTokensTest {
  @TempDir Path dir;

  @Test
  void token_is_signed_by_the_local_key_for_the_local_audience_with_the_service_identity()
      throws Exception {
    LocalKeys.generate(dir);
    String token = new LocalServiceTokens(dir, "training-runner@mlcp.local").get();

    String[] parts = token.split("\\.");
    assertThat(parts).hasSize(3);
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initVerify(publicKey());
    rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(rs256.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();

    JsonNode header = decode(parts[0]);
    JsonNode claims = decode(parts[1]);
    assertThat(header.path("kid").asText()).isEqualTo("mlcp-local");
    assertThat(claims.path("iss").asText()).isEqualTo(AuthConfig.LOCAL_ISSUER);
    assertThat(claims.path("aud").toString()).contains(AuthConfig.LOCAL_AUDIENCE);
    assertThat(claims.path("email").asText()).isEqualTo("training-runner@mlcp.local");
    assertThat(claims.path("email_verified").asBoolean()).isTrue();
    assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
  }

  @Test
  void token_is_reused_until_five_minutes_before_it_expires() throws Exception {
    LocalKeys.generate(dir);
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    LocalServiceTokens tokens = new LocalServiceTokens(dir, "svc@mlcp.local", clock);
    String first = tokens.get();

    clock.now = clock.now.plus(Duration.ofMinutes(54));
    assertThat(tokens.get()).isSameAs(first);

    clock.now = clock.now.plus(Duration.ofMinutes(1));
    String renewed = tokens.get();
    assertThat(renewed).isNotEqualTo(first);
    assertThat(decode(renewed.split("\\.")[1]).path("iat").asLong())
        .isEqualTo(Instant.parse("2026-12-01T10:55:00Z").getEpochSecond());
  }

  @Test
  void a_missing_key_fails_naming_the_directory() {
    LocalServiceTokens tokens = new LocalServiceTokens(dir.resolve("none"), "svc@mlcp.local");
    assertThatThrownBy(tokens::get)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("none");
  }

  private PublicKey publicKey() throws Exception {
    String pem =
        Files.readString(dir.resolve(LocalKeys.PUBLIC_KEY))
            .replaceAll("-----[A-Z ]+-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance("RSA")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
  }

  private static JsonNode decode(String part) throws Exception {
    return new ObjectMapper().readTree(Base64.getUrlDecoder().decode(part));
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

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
      return now;
    }
  }
}
