package dev.mlcp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The real Google Cloud Pub/Sub emulator (the jar shipped by {@code
 * google-cloud-cli-pubsub-emulator}) run as a child process on a free loopback port. Its output
 * goes to {@code target/pubsub-emulator-<port>.log}, not to the console.
 *
 * <p>The jar is {@code $MLCP_PUBSUB_EMULATOR_JAR}, else the newest {@code
 * cloud-pubsub-emulator-*-all.jar} under the Cloud SDK ({@code $CLOUDSDK_ROOT}, {@code
 * /usr/lib/google-cloud-sdk}, {@code /usr/share/google-cloud-sdk}).
 */
public final class PubSubEmulator implements AutoCloseable {
  /** Environment variable naming the emulator jar explicitly. */
  public static final String JAR_ENV = "MLCP_PUBSUB_EMULATOR_JAR";

  /** Project id used unless another is given. */
  public static final String DEFAULT_PROJECT_ID = "mlcp-test";

  private static final Logger LOG = Logger.getLogger(PubSubEmulator.class.getName());
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  private static final String JAR_DIR = "platform/pubsub-emulator/lib";

  private final Path jar;
  private final int port;
  private final String projectId;
  private final Path logFile;
  private Process process;

  private PubSubEmulator(Path jar, int port, String projectId, Path logFile) {
    this.jar = jar;
    this.port = port;
    this.projectId = projectId;
    this.logFile = logFile;
  }

  /**
   * Starts an emulator on a free port for project {@value #DEFAULT_PROJECT_ID}; ready on return.
   */
  public static PubSubEmulator start() {
    return start(DEFAULT_PROJECT_ID);
  }

  /** Starts an emulator on a free port for {@code projectId}; ready on return. */
  public static PubSubEmulator start(String projectId) {
    Path jar = locateJar();
    return FreshPorts.launch(
        () -> {
          int port = freePort();
          PubSubEmulator emulator = new PubSubEmulator(jar, port, projectId, logFile(port));
          emulator.launch();
          return emulator;
        });
  }

  /** {@code 127.0.0.1:<port>}, the value for {@code mlcp.pubsub.emulator-host}. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** The emulator's port. */
  public int port() {
    return port;
  }

  /** The project id tests use with this emulator. */
  public String projectId() {
    return projectId;
  }

  /** Where the emulator's output goes. */
  public Path logFile() {
    return logFile;
  }

  /** Whether the emulator process is alive. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Clients (admin, publisher, streaming pull) bound to this emulator; close them after use. */
  public EmulatorClients clients() {
    return new EmulatorClients(hostPort(), projectId);
  }

  /** Stops the emulator and its child processes; all topics and subscriptions are lost. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    for (ProcessHandle handle : tree) {
      try {
        handle.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }
    process = null;
    waitUntilPortFree();
  }

  /** Starts a stopped emulator again on the same port (a fresh, empty emulator). */
  public synchronized void restart() {
    stop();
    launch();
  }

  @Override
  public void close() {
    stop();
  }

  private synchronized void launch() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
                java, "-Xmx256m", "-jar", jar.toString(), "--host=127.0.0.1", "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Pub/Sub emulator " + jar, e);
    }
    awaitReady();
    LOG.fine(() -> "Pub/Sub emulator ready on " + hostPort() + ", log " + logFile);
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new FreshPorts.ExitedDuringStartup(
            "Pub/Sub emulator exited with " + process.exitValue() + "; see " + logFile);
      }
      if (answers()) {
        return;
      }
      sleep(100);
    }
    stop();
    throw new IllegalStateException(
        "Pub/Sub emulator not ready on "
            + hostPort()
            + " after "
            + READY_TIMEOUT
            + "; see "
            + logFile);
  }

  /** The emulator's REST side answers {@code GET /} with 200 once it serves requests. */
  private boolean answers() {
    try {
      HttpURLConnection connection =
          (HttpURLConnection) URI.create("http://" + hostPort() + "/").toURL().openConnection();
      connection.setConnectTimeout(500);
      connection.setReadTimeout(1000);
      try (InputStream ignored = connection.getInputStream()) {
        return connection.getResponseCode() == 200;
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private void waitUntilPortFree() {
    Instant deadline = Instant.now().plusSeconds(10);
    while (Instant.now().isBefore(deadline)) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return;
      } catch (IOException e) {
        sleep(100);
      }
    }
  }

  /**
   * The emulator jar.
   *
   * @throws IllegalStateException saying how to install it when there is none
   */
  public static Path locateJar() {
    return locateJar(System.getenv(JAR_ENV), sdkRoots());
  }

  static Path locateJar(String explicit, List<Path> sdkRoots) {
    if (explicit != null && !explicit.isBlank()) {
      Path jar = Path.of(explicit);
      if (Files.isRegularFile(jar)) {
        return jar;
      }
      throw new IllegalStateException(
          JAR_ENV + "=" + explicit + " is not a file. " + installHint());
    }
    for (Path root : sdkRoots) {
      Optional<Path> jar = newestJar(root.resolve(JAR_DIR));
      if (jar.isPresent()) {
        return jar.get();
      }
    }
    throw new IllegalStateException(
        "Pub/Sub emulator jar not found under " + sdkRoots + ". " + installHint());
  }

  private static String installHint() {
    return "Install it with `apt-get install google-cloud-cli-pubsub-emulator` or `gcloud"
        + " components install pubsub-emulator`, or set "
        + JAR_ENV
        + " to the path of cloud-pubsub-emulator-<version>-all.jar.";
  }

  private static Optional<Path> newestJar(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    List<Path> jars = new ArrayList<>();
    try (DirectoryStream<Path> stream =
        Files.newDirectoryStream(dir, "cloud-pubsub-emulator-*-all.jar")) {
      stream.forEach(jars::add);
    } catch (IOException e) {
      return Optional.empty();
    }
    return jars.stream().max((a, b) -> a.getFileName().compareTo(b.getFileName()));
  }

  private static List<Path> sdkRoots() {
    List<Path> roots = new ArrayList<>();
    String env = System.getenv("CLOUDSDK_ROOT");
    if (env != null && !env.isBlank()) {
      roots.add(Path.of(env));
    }
    roots.add(Path.of("/usr/lib/google-cloud-sdk"));
    roots.add(Path.of("/usr/share/google-cloud-sdk"));
    gcloudSdkRoot().ifPresent(roots::add);
    return roots;
  }

  /** The SDK next to {@code gcloud} on the PATH ({@code <root>/bin/gcloud}), without running it. */
  private static Optional<Path> gcloudSdkRoot() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path gcloud = Path.of(dir, "gcloud");
      if (Files.isExecutable(gcloud)) {
        try {
          Path real = gcloud.toRealPath();
          Path bin = real.getParent();
          if (bin != null && bin.getParent() != null) {
            return Optional.of(bin.getParent());
          }
        } catch (IOException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static Path logFile(int port) {
    Path dir = Files.isDirectory(Path.of("target")) ? Path.of("target") : tempDir();
    Path file = dir.resolve("pubsub-emulator-" + port + ".log");
    try {
      Files.writeString(file, "# Pub/Sub emulator on port " + port + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file, e);
    }
    return file;
  }

  private static Path tempDir() {
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /** A port nobody listens on now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Pub/Sub emulator", e);
    }
  }
}
