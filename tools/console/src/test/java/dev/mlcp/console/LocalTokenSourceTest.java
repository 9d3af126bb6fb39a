package dev.mlcp.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalTokenSourceTest {
  @TempDir Path dir;

  @Test
  void signs_a_local_id_token_the_public_key_verifies_and_reuses_it() throws Exception {
    KeyPair pair = keys();
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    LocalTokenSource tokens =
        new LocalTokenSource(dir, "admin@mlcp.local", Clock.fixed(now, ZoneOffset.UTC));
    String token = tokens.idToken(URI.create("http://127.0.0.1:8092"));
    String[] parts = token.split("\\.");
    assertThat(parts).hasSize(3);
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(pair.getPublic());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(rsa.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    assertThat(decode(parts[0])).contains("\"alg\":\"RS256\"").contains("\"kid\":\"mlcp-local\"");
    assertThat(decode(parts[1]))
        .contains("\"iss\":\"https://mlcp.local\"")
        .contains("\"aud\":\"mlcp-local\"")
        .contains("\"email\":\"admin@mlcp.local\"")
        .contains("\"email_verified\":true")
        .contains("\"exp\":" + now.plus(Duration.ofHours(1)).getEpochSecond());
    assertThat(tokens.idToken(URI.create("http://127.0.0.1:8093"))).isEqualTo(token);
  }

  @Test
  void renews_before_the_end() throws Exception {
    keys();
    Instant[] now = {Instant.parse("2026-12-01T10:00:00Z")};
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    LocalTokenSource tokens = new LocalTokenSource(dir, "a@b.c", clock);
    String first = tokens.idToken(null);
    now[0] = now[0].plus(Duration.ofMinutes(56));
    assertThat(tokens.idToken(null)).isNotEqualTo(first);
  }

  @Test
  void a_missing_key_names_the_file() {
    assertThatThrownBy(() -> new LocalTokenSource(dir, "a@b.c", Clock.systemUTC()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("private-key.pem");
  }

  private KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    Files.writeString(
        dir.resolve("private-key.pem"),
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    return pair;
  }

  private static String decode(String part) {
    return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
  }
}
