package dev.mlcp.web.token;

import dev.mlcp.web.auth.AuthConfig;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * A service's own bearer tokens for calling another mlcp service in local mode, minted with the
 * local signing key ({@link LocalKeys}) and shaped like the Google ID tokens the services accept
 * there (issuer {@value AuthConfig#LOCAL_ISSUER}, audience {@value AuthConfig#LOCAL_AUDIENCE},
 * verified {@code email}). In the cloud the same call carries a Google ID token of the service
 * account instead; this is its local stand-in. A token lives an hour and is reused until five
 * minutes before it expires.
 */
public final class LocalServiceTokens implements Supplier<String> {
  private static final Duration LIFETIME = Duration.ofHours(1);
  private static final Duration RENEW_BEFORE = Duration.ofMinutes(5);

  private final Path keyDir;
  private final String email;
  private final Clock clock;
  private String token;
  private Instant expires = Instant.EPOCH;

  /**
   * @param keyDir the local key's directory ({@code $MLCP_HOME/auth}, written by {@code mlcp-token
   *     keygen})
   * @param email the identity the tokens carry, e.g. {@code training-runner@mlcp.local}
   */
  public LocalServiceTokens(Path keyDir, String email) {
    this(keyDir, email, Clock.systemUTC());
  }

  LocalServiceTokens(Path keyDir, String email, Clock clock) {
    this.keyDir = keyDir;
    this.email = email;
    this.clock = clock;
  }

  /**
   * A valid token.
   *
   * @throws UncheckedIOException when the private key cannot be read
   */
  @Override
  public synchronized String get() {
    Instant now = clock.instant();
    if (token == null || !now.isBefore(expires.minus(RENEW_BEFORE))) {
      Instant until = now.plus(LIFETIME);
      try {
        token =
            Jwt.issuer(AuthConfig.LOCAL_ISSUER)
                .audience(AuthConfig.LOCAL_AUDIENCE)
                .subject("local:" + email)
                .issuedAt(now)
                .expiresAt(until)
                .claim("email", email)
                .claim("email_verified", true)
                .jws()
                .keyId(MlcpToken.KEY_ID)
                .algorithm(SignatureAlgorithm.RS256)
                .sign(LocalKeys.privateKey(keyDir));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      expires = until;
    }
    return token;
  }
}
