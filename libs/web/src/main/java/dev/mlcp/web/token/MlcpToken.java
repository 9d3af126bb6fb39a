package dev.mlcp.web.token;

import dev.mlcp.web.auth.AuthConfig;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code mlcp-token}: the local-mode key and token tool.
 *
 * <pre>
 * mlcp-token keygen DIR
 *     writes DIR/private-key.pem (0600) and DIR/public-key.pem, prints the service config
 * mlcp-token mint --key DIR (--email EMAIL | --admin) [--ttl 1h] [--audience mlcp-local]
 *                 [--issuer https://mlcp.local] [--subject SUB]
 *     prints a signed token shaped like a Google ID token, for curl -H "Authorization: Bearer ..."
 * </pre>
 *
 * <p>This is a command-line tool: standard output is its product, so it prints there directly.
 */
public final class MlcpToken {

  private static final String USAGE =
      """
      usage: mlcp-token keygen DIR
             mlcp-token mint --key DIR (--email EMAIL | --admin) [--ttl 1h] \
      [--audience %s] [--issuer %s] [--subject SUB]
      """
          .formatted(AuthConfig.LOCAL_AUDIENCE, AuthConfig.LOCAL_ISSUER);

  /** The {@code kid} header of local tokens. */
  static final String KEY_ID = "mlcp-local";

  private static final Set<String> MINT_OPTIONS =
      Set.of("--key", "--email", "--ttl", "--audience", "--issuer", "--subject");

  private MlcpToken() {}

  /** Entry point; exits non-zero on a usage or I/O error. */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs one command, writing results to {@code out} and errors to {@code err}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      if (args.length == 2 && args[0].equals("keygen")) {
        keygen(Path.of(args[1]).toAbsolutePath(), out);
        return 0;
      }
      if (args.length >= 1 && args[0].equals("mint")) {
        out.println(mint(List.of(args).subList(1, args.length)));
        return 0;
      }
      err.print(USAGE);
      return 2;
    } catch (UsageException e) {
      err.println("mlcp-token: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (IOException e) {
      err.println("mlcp-token: " + e.getMessage());
      return 1;
    }
  }

  private static void keygen(Path dir, PrintStream out) throws IOException {
    Path publicKey = LocalKeys.generate(dir);
    out.println(
        "# Local signing key written to " + dir + " (" + LocalKeys.PRIVATE_KEY + " is 0600).");
    out.println("# Service configuration, as application.properties lines:");
    out.println("mlcp.auth.mode=local");
    out.println("mlcp.auth.local.public-key-location=" + publicKey);
    out.println("mlcp.auth.audiences=" + AuthConfig.LOCAL_AUDIENCE);
    out.println("mlcp.auth.admins=" + AuthConfig.LOCAL_ADMIN_EMAIL);
    out.println("# or as environment variables:");
    out.println(
        "# MLCP_AUTH_MODE=local MLCP_AUTH_LOCAL_PUBLIC_KEY_LOCATION="
            + publicKey
            + " MLCP_AUTH_AUDIENCES="
            + AuthConfig.LOCAL_AUDIENCE
            + " MLCP_AUTH_ADMINS="
            + AuthConfig.LOCAL_ADMIN_EMAIL);
    out.println("# A token for curl:");
    out.println("# TOKEN=$(mlcp-token mint --key " + dir + " --email you@example.com)");
  }

  static String mint(List<String> args) throws IOException {
    Map<String, String> options = new HashMap<>();
    boolean admin = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--admin")) {
        admin = true;
      } else if (MINT_OPTIONS.contains(arg) && i + 1 < args.size()) {
        options.put(arg, args.get(++i));
      } else {
        throw new UsageException("unknown or incomplete option " + arg);
      }
    }
    if (!options.containsKey("--key")) {
      throw new UsageException("--key DIR is required");
    }
    if (admin && options.containsKey("--email")) {
      throw new UsageException("give --email or --admin, not both");
    }
    String email = admin ? AuthConfig.LOCAL_ADMIN_EMAIL : options.get("--email");
    if (email == null || !email.contains("@")) {
      throw new UsageException("--email EMAIL (or --admin) is required");
    }
    Duration ttl = ttl(options.getOrDefault("--ttl", "1h"));
    Instant now = Instant.now();
    return Jwt.issuer(options.getOrDefault("--issuer", AuthConfig.LOCAL_ISSUER))
        .audience(options.getOrDefault("--audience", AuthConfig.LOCAL_AUDIENCE))
        .subject(options.getOrDefault("--subject", "local:" + email))
        .issuedAt(now)
        .expiresAt(now.plus(ttl))
        .claim("email", email)
        .claim("email_verified", true)
        .jws()
        .keyId(KEY_ID)
        .algorithm(SignatureAlgorithm.RS256)
        .sign(LocalKeys.privateKey(Path.of(options.get("--key"))));
  }

  /** {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d} or ISO-8601 ({@code PT1H}). */
  static Duration ttl(String text) {
    try {
      Duration ttl;
      if (text.matches("\\d+[smhd]")) {
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        ttl =
            switch (text.charAt(text.length() - 1)) {
              case 's' -> Duration.ofSeconds(amount);
              case 'm' -> Duration.ofMinutes(amount);
              case 'h' -> Duration.ofHours(amount);
              default -> Duration.ofDays(amount);
            };
      } else {
        ttl = Duration.parse(text);
      }
      if (ttl.isNegative() || ttl.isZero()) {
        throw new UsageException("--ttl must be positive: " + text);
      }
      return ttl;
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new UsageException("--ttl must look like 90s, 30m, 1h, 2d or PT1H: " + text);
    }
  }

  /** A command line that cannot be run. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
