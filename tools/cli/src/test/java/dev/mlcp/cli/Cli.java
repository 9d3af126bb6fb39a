package dev.mlcp.cli;

import dev.mlcp.cli.auth.TokenSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Runs the CLI in-process against a fake environment: local mode whose ports.env points every
 * service at one port (a WireMock server), with a fresh signing key, or cloud mode with a fixed
 * token.
 */
public final class Cli {
  /** The token cloud-mode tests call with. */
  public static final String CLOUD_TOKEN = "cloud-test-token";

  /** What a run printed and returned. */
  public record Result(int exitCode, String out, String err) {}

  private final Map<String, String> vars = new HashMap<>();
  private final Path dir;
  private KeyPair keys;
  private BiFunction<Endpoints, String, TokenSource> tokens = Mlcp::tokenSource;

  private Cli(Path dir) {
    this.dir = dir;
    vars.put("MLCP_CONFIG", dir.resolve("config.json").toString());
    vars.put("MLCP_HOME", dir.resolve("home").toString());
    vars.put("MLCP_POLL_MS", "20");
  }

  /** Local mode with every service on {@code port} and a signing key under MLCP_HOME/auth. */
  public static Cli local(Path dir, int port) {
    Cli cli = new Cli(dir);
    try {
      Path home = dir.resolve("home");
      Files.createDirectories(home.resolve("run"));
      Files.writeString(
          home.resolve("run/ports.env"),
          "pubsub-emulator=1\nexperiment-vm=%d\ntraining-runner=%d\nartifact-writer=%d\nserving-deployer=%d\n"
              .formatted(port, port, port, port));
      Files.createDirectories(home.resolve("auth"));
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      cli.keys = g.generateKeyPair();
      Files.writeString(
          home.resolve("auth/private-key.pem"),
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(cli.keys.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return cli;
  }

  /** Cloud mode with every service at {@code http://127.0.0.1:port} and a fixed token. */
  public static Cli cloud(Path dir, int port) {
    Cli cli = new Cli(dir);
    cli.vars.put("MLCP_MODE", "cloud");
    for (Service s : Service.values()) {
      cli.vars.put(s.envVar(), "http://127.0.0.1:" + port);
    }
    cli.tokens =
        (endpoints, email) ->
            new TokenSource() {
              @Override
              public String token(URI serviceUrl) {
                return CLOUD_TOKEN;
              }

              @Override
              public String describe() {
                return "test";
              }
            };
    return cli;
  }

  /** The key pair local tokens are signed with. */
  public KeyPair keys() {
    return keys;
  }

  /** Sets an environment variable. */
  public Cli env(String name, String value) {
    vars.put(name, value);
    return this;
  }

  /** The environment of the runs. */
  public Env environment() {
    return new Env(Map.copyOf(vars), dir.resolve("user-home"));
  }

  /** Runs {@code mlcp args...}. */
  public Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Mlcp.run(args, environment(), o, e, tokens);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
