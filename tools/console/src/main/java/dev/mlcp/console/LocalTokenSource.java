package dev.mlcp.console;

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
import java.time.Instant;
import java.util.Base64;

/**
 * Local mode's tokens: RS256 JWTs shaped like Google ID tokens, signed with the local key ({@code
 * $MLCP_HOME/auth/private-key.pem}, written by {@code mlcp-token keygen}), with the claims {@code
 * dev.mlcp.web.token.MlcpToken mint} writes (issuer {@value #ISSUER}, audience {@value #AUDIENCE},
 * key id {@value #KEY_ID}). A plain JDK signer: the console does not carry the services' JWT
 * library. Every local service accepts the one audience, so a token is minted once and reused until
 * {@link #REFRESH_BEFORE} its end.
 */
public final class LocalTokenSource implements TokenSource {
  static final String ISSUER = "https://mlcp.local";
  static final String AUDIENCE = "mlcp-local";
  static final String KEY_ID = "mlcp-local";
  static final Duration TTL = Duration.ofHours(1);
  static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);

  private final PrivateKey key;
  private final String email;
  private final Clock clock;
  private String cached;
  private Instant expires = Instant.MIN;

  /**
   * @param keyDir the directory holding {@code private-key.pem} (PKCS#8 PEM)
   * @param email whom the tokens name ({@code admin@mlcp.local} is local mode's admin)
   */
  public LocalTokenSource(Path keyDir, String email, Clock clock) throws IOException {
    if (email == null || !email.contains("@")) {
      throw new IllegalArgumentException("an email is required: " + email);
    }
    this.key = readKey(keyDir.resolve("private-key.pem"));
    this.email = email;
    this.clock = clock;
  }

  @Override
  public synchronized String idToken(URI audience) {
    Instant now = clock.instant();
    if (cached == null || !now.isBefore(expires.minus(REFRESH_BEFORE))) {
      expires = now.plus(TTL);
      cached = sign(now, expires);
    }
    return cached;
  }

  private String sign(Instant now, Instant exp) {
    String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + KEY_ID + "\"}";
    String claims =
        "{\"iss\":\""
            + ISSUER
            + "\",\"aud\":\""
            + AUDIENCE
            + "\",\"sub\":\"local:"
            + ConsoleServer.escape(email)
            + "\",\"iat\":"
            + now.getEpochSecond()
            + ",\"exp\":"
            + exp.getEpochSecond()
            + ",\"email\":\""
            + ConsoleServer.escape(email)
            + "\",\"email_verified\":true}";
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA256withRSA is required of every JVM", e);
    }
  }

  private static PrivateKey readKey(Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(
          "no readable " + file + " (infra/local/mlcp up writes it with mlcp-token keygen)");
    }
    String body =
        Files.readString(file, StandardCharsets.US_ASCII)
            .replaceAll("-----[A-Z ]+-----", "")
            .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + " is not an RSA private key in PKCS#8 PEM form", e);
    }
  }
}
