package dev.mlcp.console;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * The console of local mode, as {@code infra/local/mlcp up} starts it: {@code LocalConsole
 * MLCP_HOME [email]}. Reads the ports the launcher fixed ({@code run/ports.env}: the services and
 * {@code console}), signs with the local key ({@code auth/}), and writes the URL with its key to
 * {@code run/console.url} (owner-only) for the launcher to print. Runs until killed.
 */
public final class LocalConsole {
  private static final Logger LOG = Logger.getLogger(LocalConsole.class.getName());

  /** The identity of local mode's console: the admin, so the team lead's pages see every owner. */
  static final String DEFAULT_EMAIL = "admin@mlcp.local";

  private LocalConsole() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2) {
      throw new IllegalArgumentException("usage: LocalConsole MLCP_HOME [email]");
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    ConsoleServer console = start(home, args.length == 2 ? args[1] : DEFAULT_EMAIL);
    Runtime.getRuntime().addShutdownHook(new Thread(console::close));
    new CountDownLatch(1).await();
  }

  /** Starts the console of the local stack under {@code home} and writes its URL file. */
  static ConsoleServer start(Path home, String email) throws IOException {
    Map<String, String> ports = ports(home.resolve("run/ports.env"));
    Map<String, URI> services = new HashMap<>();
    for (String s : ConsoleConfig.SERVICES) {
      if (ports.containsKey(s)) {
        services.put(s, URI.create("http://127.0.0.1:" + ports.get(s)));
      }
    }
    int port = Integer.parseInt(ports.getOrDefault("console", "0"));
    TokenSource tokens = new LocalTokenSource(home.resolve("auth"), email, Clock.systemUTC());
    ConsoleServer console =
        ConsoleServer.start(new ConsoleConfig(port, services, tokens, "duckdb"));
    Path url = home.resolve("run/console.url");
    Files.deleteIfExists(url);
    Files.createFile(
        url, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        url, console.url() + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    LOG.info(() -> "console URL (with its key) in " + url + " as " + email);
    return console;
  }

  /** {@code name=port} lines. */
  static Map<String, String> ports(Path file) throws IOException {
    Map<String, String> ports = new HashMap<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (String line : lines) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(eq + 1).trim().matches("\\d{1,5}")) {
        ports.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return ports;
  }
}
