package dev.mlcp.cli.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Local mode's tokens: RS256 JWTs shaped like Google ID tokens, signed with the key {@code
 * infra/local/mlcp up} generated under {@code $MLCP_HOME/auth} ({@code private-key.pem}, PKCS#8).
 * The claims are those of {@code dev.mlcp.web.token.MlcpToken mint}; this small plain signer exists
 * because mlcp-web brings Quarkus, which a CLI that starts on every call must not load.
 */
public final class LocalTokens implements TokenSource {
  /** What local services accept ({@code dev.mlcp.web.auth.AuthConfig}). */
  static final String ISSUER = "https://mlcp.local";

  static final String AUDIENCE = "mlcp-local";
  static final String KEY_ID = "mlcp-local";
  static final Duration TTL = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final Path keyDir;
  private final String email;
  private final Clock clock;
  private String cached;
  private long cachedAt;

  /** Tokens for {@code email}, signed with the key in {@code keyDir}. */
  public LocalTokens(Path keyDir, String email, Clock clock) {
    this.keyDir = keyDir;
    this.email = email;
    this.clock = clock;
  }

  @Override
  public synchronized String token(URI serviceUrl) {
    long now = clock.instant().getEpochSecond();
    // Renewed at half its life: a long-lived caller (mlcp console) never sends an expired token.
    if (cached == null || now - cachedAt >= TTL.toSeconds() / 2) {
      cached = sign(privateKey(keyDir), email, now);
      cachedAt = now;
    }
    return cached;
  }

  @Override
  public String describe() {
    return "local key " + keyDir + " as " + email;
  }

  static String sign(PrivateKey key, String email, long now) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    header.put("kid", KEY_ID);
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", ISSUER);
    claims.put("aud", AUDIENCE);
    claims.put("sub", "local:" + email);
    claims.put("iat", now);
    claims.put("exp", now + TTL.toSeconds());
    claims.put("email", email);
    claims.put("email_verified", true);
    try {
      String input = part(header) + "." + part(claims);
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + B64.encodeToString(rsa.sign());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("RS256 signing is required of every JVM", e);
    }
  }

  private static String part(Map<String, Object> json) throws IOException {
    return B64.encodeToString(JSON.writeValueAsBytes(json));
  }

  static PrivateKey privateKey(Path dir) {
    Path file = dir.resolve("private-key.pem");
    if (!Files.isReadable(file)) {
      throw new CliException(
          Exit.PERMISSION,
          "no local signing key " + file + ": start local mode first (mlcp local up)");
    }
    try {
      String body =
          Files.readString(file, StandardCharsets.US_ASCII)
              .replaceAll("-----[A-Z ]+-----", "")
              .replaceAll("\\s", "");
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new CliException(
          Exit.PERMISSION, file + " is not an RSA private key in PKCS#8 PEM form", e);
    }
  }
}
