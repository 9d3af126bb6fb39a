package dev.mlcp.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Cloud Spanner emulator ({@code cloud_spanner_emulator/gateway_main} of the Cloud SDK)
 * run as a child process on two free loopback ports: gRPC (what the Spanner client library uses
 * through {@code SPANNER_EMULATOR_HOST}) and REST (what the VM agent and the local seeding use).
 * Its output goes to {@code target/spanner-emulator-<port>.log}. Everything it holds is in memory
 * and lost when it stops.
 *
 * <p>The binaries are in {@code $MLCP_SPANNER_EMULATOR_DIR}, else under the Cloud SDK ({@code
 * $CLOUDSDK_ROOT}, {@code /usr/lib/google-cloud-sdk}, {@code /usr/share/google-cloud-sdk}) in
 * {@code bin/cloud_spanner_emulator/}.
 */
public final class SpannerEmulator implements AutoCloseable {
  /**
   * Environment variable naming the directory of {@code gateway_main} and {@code emulator_main}.
   */
  public static final String DIR_ENV = "MLCP_SPANNER_EMULATOR_DIR";

  /** Project id used unless another is given. */
  public static final String DEFAULT_PROJECT_ID = "mlcp-test";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final String SDK_DIR = "bin/cloud_spanner_emulator";
  private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");

  private final Path dir;
  private final int grpcPort;
  private final int restPort;
  private final String projectId;
  private final Path logFile;
  private final HttpClient http = HttpClient.newHttpClient();
  private Process process;

  private SpannerEmulator(Path dir, int grpcPort, int restPort, String projectId, Path logFile) {
    this.dir = dir;
    this.grpcPort = grpcPort;
    this.restPort = restPort;
    this.projectId = projectId;
    this.logFile = logFile;
  }

  /** Starts an emulator on free ports for project {@value #DEFAULT_PROJECT_ID}; ready on return. */
  public static SpannerEmulator start() {
    return start(DEFAULT_PROJECT_ID);
  }

  /** Starts an emulator on free ports for {@code projectId}; ready on return. */
  public static SpannerEmulator start(String projectId) {
    Path dir = locate();
    return FreshPorts.launch(
        () -> {
          int grpc = PubSubEmulator.freePort();
          int rest = PubSubEmulator.freePort();
          while (rest == grpc) {
            rest = PubSubEmulator.freePort();
          }
          SpannerEmulator emulator = new SpannerEmulator(dir, grpc, rest, projectId, logFile(grpc));
          emulator.launch();
          return emulator;
        });
  }

  /** {@code 127.0.0.1:<grpc port>}, the value of {@code SPANNER_EMULATOR_HOST}. */
  public String grpcHostPort() {
    return "127.0.0.1:" + grpcPort;
  }

  /** The REST endpoint, e.g. {@code http://127.0.0.1:9020/v1} (the agent's MLCP_SPANNER_API). */
  public String restUrl() {
    return "http://127.0.0.1:" + restPort + "/v1";
  }

  /** The project id tests use with this emulator. */
  public String projectId() {
    return projectId;
  }

  /** Where the emulator's output goes. */
  public Path logFile() {
    return logFile;
  }

  /** Creates instance {@code instance} (idempotent: an existing one is kept). */
  public void createInstance(String instance) {
    String body =
        "{\"instanceId\":\""
            + instance
            + "\",\"instance\":{\"config\":\"emulator-config\",\"displayName\":\""
            + instance
            + "\",\"nodeCount\":1}}";
    HttpResponse<String> answer = post("/projects/" + projectId + "/instances", body);
    if (answer.statusCode() != 200 && answer.statusCode() != 409) {
      throw new IllegalStateException("create instance " + instance + ": " + answer.body());
    }
  }

  /**
   * Creates database {@code database} in {@code instance} with the DDL statements {@code ddl}
   * (tables, indexes); the instance is created first when missing.
   */
  public void createDatabase(String instance, String database, List<String> ddl) {
    createInstance(instance);
    StringBuilder body =
        new StringBuilder("{\"createStatement\":\"CREATE DATABASE `" + database + "`\"");
    body.append(",\"extraStatements\":[");
    for (int i = 0; i < ddl.size(); i++) {
      body.append(i == 0 ? "" : ",").append(quote(ddl.get(i)));
    }
    body.append("]}");
    HttpResponse<String> answer =
        post("/projects/" + projectId + "/instances/" + instance + "/databases", body.toString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException("create database " + database + ": " + answer.body());
    }
  }

  /**
   * Runs DML statements ({@code INSERT ...}) in one read-write transaction, committed on return.
   */
  public void dml(String instance, String database, List<String> statements) {
    String db = "/projects/" + projectId + "/instances/" + instance + "/databases/" + database;
    String session = name(post(db + "/sessions", "{}"), "session");
    String tx =
        name(
            post("/" + session + ":beginTransaction", "{\"options\":{\"readWrite\":{}}}"),
            "transaction");
    StringBuilder batch =
        new StringBuilder("{\"transaction\":{\"id\":\"" + tx + "\"},\"seqno\":\"1\",");
    batch.append("\"statements\":[");
    for (int i = 0; i < statements.size(); i++) {
      batch.append(i == 0 ? "" : ",").append("{\"sql\":").append(quote(statements.get(i)));
      batch.append("}");
    }
    batch.append("]}");
    HttpResponse<String> executed = post("/" + session + ":executeBatchDml", batch.toString());
    if (executed.statusCode() != 200 || executed.body().contains("\"status\":{\"code\"")) {
      throw new IllegalStateException("DML failed: " + executed.body());
    }
    HttpResponse<String> committed =
        post("/" + session + ":commit", "{\"transactionId\":\"" + tx + "\"}");
    if (committed.statusCode() != 200) {
      throw new IllegalStateException("commit failed: " + committed.body());
    }
  }

  /** Stops the emulator; everything it held is lost. */
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
  }

  @Override
  public void close() {
    stop();
  }

  /**
   * The directory holding {@code gateway_main} and {@code emulator_main}.
   *
   * @throws IllegalStateException saying how to install the emulator when it is missing
   */
  public static Path locate() {
    return locate(System.getenv(DIR_ENV), sdkRoots());
  }

  static Path locate(String explicit, List<Path> sdkRoots) {
    if (explicit != null && !explicit.isBlank()) {
      Path dir = Path.of(explicit);
      if (Files.isExecutable(dir.resolve("gateway_main"))) {
        return dir;
      }
      throw new IllegalStateException(
          DIR_ENV + "=" + explicit + " holds no executable gateway_main. " + installHint());
    }
    for (Path root : sdkRoots) {
      Path dir = root.resolve(SDK_DIR);
      if (Files.isExecutable(dir.resolve("gateway_main"))
          && Files.isExecutable(dir.resolve("emulator_main"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "Spanner emulator not found under " + sdkRoots + ". " + installHint());
  }

  /** How to install the emulator. */
  public static String installHint() {
    return "Install it with `apt-get install google-cloud-cli-spanner-emulator` or `gcloud"
        + " components install cloud-spanner-emulator`, or set "
        + DIR_ENV
        + " to the directory holding gateway_main and emulator_main.";
  }

  private synchronized void launch() {
    ProcessBuilder builder =
        new ProcessBuilder(
                dir.resolve("gateway_main").toString(),
                "--hostname",
                "127.0.0.1",
                "--grpc_port",
                Integer.toString(grpcPort),
                "--http_port",
                Integer.toString(restPort),
                "--grpc_binary",
                dir.resolve("emulator_main").toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Spanner emulator in " + dir, e);
    }
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new FreshPorts.ExitedDuringStartup(
            "Spanner emulator exited with " + process.exitValue() + "; see " + logFile);
      }
      if (answers()) {
        return;
      }
      sleep(100);
    }
    stop();
    throw new IllegalStateException(
        "Spanner emulator not ready on " + restUrl() + " after " + READY_TIMEOUT + "; " + logFile);
  }

  private boolean answers() {
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(restUrl() + "/projects/" + projectId + "/instances"))
                  .timeout(Duration.ofSeconds(2))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return answer.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private HttpResponse<String> post(String path, String body) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(restUrl() + path))
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("Spanner emulator " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String name(HttpResponse<String> answer, String what) {
    Matcher m = answer.statusCode() == 200 ? NAME.matcher(answer.body()) : null;
    if (m != null && m.find()) {
      return m.group(1);
    }
    if (what.equals("transaction")) {
      Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(answer.body());
      if (answer.statusCode() == 200 && id.find()) {
        return id.group(1);
      }
    }
    throw new IllegalStateException("no " + what + ": " + answer.body());
  }

  /** A JSON string literal. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static List<Path> sdkRoots() {
    List<Path> roots = new ArrayList<>();
    Optional.ofNullable(System.getenv("CLOUDSDK_ROOT"))
        .filter(s -> !s.isBlank())
        .map(Path::of)
        .ifPresent(roots::add);
    roots.add(Path.of("/usr/lib/google-cloud-sdk"));
    roots.add(Path.of("/usr/share/google-cloud-sdk"));
    return roots;
  }

  private static Path logFile(int port) {
    Path target = Path.of("target");
    Path dir = Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
    Path file = dir.resolve("spanner-emulator-" + port + ".log");
    try {
      Files.writeString(file, "# Spanner emulator, gRPC port " + port + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file, e);
    }
    return file;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Spanner emulator", e);
    }
  }
}
