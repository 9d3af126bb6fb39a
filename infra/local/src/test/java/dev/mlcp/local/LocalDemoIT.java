package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.core.ApiFuture;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The local demo end to end, headless, through the launcher ({@code infra/local/mlcp}) against the
 * packaged services: a run that succeeds with artifacts, one that fails on bad input, no local VM
 * left, and a training request published to the emulator (with {@code gcloud} when installed, else
 * the plain Pub/Sub client) that becomes a run. Every process the launcher started is stopped in
 * {@link #down()}, also when a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalDemoIT {

  private static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer";

  @TempDir static Path home;
  static Path repo;
  static int base;
  static String demoOutput;

  @BeforeAll
  static void locate() throws IOException {
    repo = Path.of(System.getProperty("mlcp.repo", "../..")).toAbsolutePath().normalize();
    assertThat(repo.resolve("services/training-runner/target/quarkus-app/quarkus-run.jar"))
        .as("services are packaged by the reactor before this module")
        .exists();
    // base..base+6 (emulator, services, Spanner, console) and base+15 (Spanner REST).
    base = freePortRun(16);
  }

  @AfterAll
  static void down() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    run(List.of("down"), Duration.ofSeconds(60));
    // Belt and braces: whatever survived `down` (sessions of the recorded pids, agent pids).
    try (Stream<Path> pids = Files.list(home.resolve("run"))) {
      for (Path p : pids.filter(f -> f.toString().endsWith(".pid")).toList()) {
        long pid = Long.parseLong(Files.readString(p).trim().split("\\s+")[0]); // "pid start-time"
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        new ProcessBuilder("pkill", "-KILL", "-s", Long.toString(pid)).start().waitFor();
      }
    } catch (IOException ignored) {
      // no run directory: nothing was started
    }
  }

  @Test
  @Order(1)
  void demo_succeeds_fails_the_bad_run_and_leaves_no_vm() throws Exception {
    Result demo = run(List.of("demo"), Duration.ofMinutes(8));
    demoOutput = demo.output();
    System.out.println(demoOutput);
    assertThat(demo.exitCode()).as(demo.output()).isZero();
    Matcher m =
        Pattern.compile(
                "DEMO_RESULT ok=1 succeeded=(\\S+) failed=(\\S+) artifacts=(\\S+) wall_ms=(\\d+)")
            .matcher(demo.output());
    assertThat(m.find()).as(demo.output()).isTrue();

    String token = run(List.of("token"), Duration.ofSeconds(30)).output().trim();
    Map<String, Object> ok = getRun(token, m.group(1));
    Map<String, Object> bad = getRun(token, m.group(2));
    assertThat(ok).containsEntry("state", "SUCCEEDED").containsEntry("exitCode", 0);
    assertThat(bad).containsEntry("state", "FAILED").containsEntry("exitCode", 2);
    assertThat((String) bad.get("reason")).contains("status 2");

    Path artifacts = Path.of(m.group(3));
    assertThat(artifacts).startsWith(home.resolve("state/objects"));
    assertThat(artifacts.resolve("model.json")).isNotEmptyFile();
    assertThat(artifacts.resolve("metrics.json")).content().contains("accuracy");
    assertThat(localVms()).isEmpty();
    // The registry stage: a run published like Cloud Build's became a verified version with an
    // evaluation run (its gs:// input materialized by the local VM) that landed;
    // the REST run's outputs were rejected as ad hoc.
    assertThat(demo.output())
        .containsPattern(
            "REGISTRY_RESULT ok=1 model=demo-churn version=v\\d+ sha256=[0-9a-f]{64} run=\\S+"
                + " evaluation=ev\\S+")
        .containsPattern("LANDED from run run-\\S+: \\{.*accuracy")
        .contains("ad-hoc run: not registrable");
  }

  @Test
  @Order(2)
  void training_request_published_to_the_emulator_starts_a_run() throws Exception {
    String token = run(List.of("token"), Duration.ofSeconds(30)).output().trim();
    String name = "published-" + Long.toString(System.nanoTime(), 36);
    String data =
        "{\"requestKey\":\""
            + name
            + "\",\"owner\":\"demo@mlcp.local\",\"spec\":{\"name\":\""
            + name
            + "\",\"image\":\""
            + IMAGE
            + "\",\"args\":[\"--epochs\",\"20\"]}}";
    Map<String, String> attributes = new HashMap<>();
    attributes.put("ce-specversion", "1.0");
    attributes.put("ce-type", "dev.mlcp.training.requested.v1");
    attributes.put("ce-source", "//cloudscheduler/mlcp-local/it");
    attributes.put("ce-id", name);
    attributes.put("ce-time", Instant.now().toString());
    attributes.put("ce-subject", name);
    attributes.put("content-type", "application/json");
    if (gcloud() != null) {
      publishWithGcloud(data, attributes);
    } else {
      publishWithClient(data, attributes);
    }

    Map<String, Object> found = null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      found = findRun(token, name);
      if (found != null && List.of("SUCCEEDED", "FAILED").contains(found.get("state"))) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(found).as("run %s from the published request", name).isNotNull();
    assertThat(found).containsEntry("state", "SUCCEEDED").containsEntry("owner", "demo@mlcp.local");
    long vmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!localVms().isEmpty() && System.nanoTime() < vmDeadline) {
      Thread.sleep(200);
    }
    assertThat(localVms()).isEmpty();
  }

  @Test
  @Order(30) // last: it kills serving-deployer, which the console's tests read
  void status_reports_every_process_healthy_and_a_killed_one_as_crashed() throws Exception {
    Result healthy = run(List.of("status"), Duration.ofSeconds(60));
    assertThat(healthy.exitCode()).as(healthy.output()).isZero();
    for (String p :
        List.of(
            "pubsub-emulator",
            "experiment-vm",
            "training-runner",
            "artifact-writer",
            "serving-deployer")) {
      assertThat(healthy.output()).containsPattern(p + "\\s+\\d+\\s+\\d+\\s+healthy");
    }
    long pid =
        Long.parseLong(
            Files.readString(home.resolve("run/serving-deployer.pid")).trim().split("\\s+")[0]);
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    Result crashed = run(List.of("status"), Duration.ofSeconds(60));
    assertThat(crashed.exitCode()).isNotZero();
    assertThat(crashed.output()).containsPattern("serving-deployer\\s+\\d+\\s+\\d+\\s+CRASHED");
  }

  @Test
  @Order(10)
  void the_cli_submits_and_waits_for_a_run_and_lists_runs_models_and_data() throws Exception {
    assertThat(repo.resolve("tools/cli/target/mlcp-cli.jar"))
        .as("the CLI is packaged by the reactor before this module")
        .exists();
    String name = "cli-" + Long.toString(System.nanoTime(), 36);
    Result submitted =
        cli(
            List.of(
                "runs",
                "submit",
                "--name",
                name,
                "--image",
                IMAGE,
                "--wait",
                "--",
                "--epochs",
                "20"),
            Duration.ofMinutes(5));
    assertThat(submitted.exitCode()).as(submitted.output()).isZero();
    assertThat(submitted.output())
        .contains("] PROVISIONING")
        .contains("] RUNNING")
        .containsPattern(
            "run-\\S+ SUCCEEDED  exit 0  cost \\$\\d+\\.\\d{4}  artifacts"
                + " gs://mlcp-local/staging/");

    Result runs = cli(List.of("runs", "list", "--format=json"), Duration.ofSeconds(60));
    assertThat(runs.exitCode()).as(runs.output()).isZero();
    Map<String, Object> page = object(runs.output());
    assertThat(page.get("runs").toString()).contains(name);

    // As admin (--as signs with that identity): every owner's models.
    Result models =
        cli(List.of("--as", "admin@mlcp.local", "models", "list"), Duration.ofSeconds(60));
    assertThat(models.exitCode()).as(models.output()).isZero();
    assertThat(models.output()).containsPattern("demo-churn\\s+\\S+\\s+v\\d+");

    Result data = cli(List.of("data", "datasets"), Duration.ofSeconds(60));
    assertThat(data.output())
        .containsPattern("bigquery\\s+samples")
        .contains("mlcp-local/features");

    Result missing = cli(List.of("runs", "get", "run-doesnotexist"), Duration.ofSeconds(60));
    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(3);
    assertThat(missing.output()).startsWith("ERROR: 404 ");
  }

  // ---- the web console in a real browser (Debian's headless Chromium) -------------------------

  @Test
  @Order(20)
  void console_pages_render_the_demos_runs_models_services_experiments_and_cost() throws Exception {
    Matcher demo = demoResult();
    // Every process should be up; one that is not (a crash) is brought back (state and runs
    // survive `up`).
    Result status = run(List.of("status"), Duration.ofSeconds(60));
    if (status.exitCode() != 0) {
      Result up = run(List.of("up"), Duration.ofMinutes(4));
      assertThat(up.exitCode()).as(up.output()).isZero();
    }
    WebDriver b = openConsole();
    awaitCss(b, "#runs tr[data-run='" + demo.group(1) + "'][data-state='SUCCEEDED']");
    awaitCss(b, "#runs tr[data-run='" + demo.group(2) + "'][data-state='FAILED']");
    screenshot(b, "runs");

    b.get(consoleBase() + "/#/models");
    awaitCss(b, "#models tr[data-model='demo-churn']");
    b.get(consoleBase() + "/#/models/demo-churn");
    awaitCss(b, "#versions tr[data-version]");
    awaitCss(b, "[data-alias='production']");
    awaitCss(b, "[data-chart] canvas"); // uPlot drew the metrics across versions
    screenshot(b, "model");

    b.get(consoleBase() + "/#/services");
    awaitCss(b, "[data-service='demo-churn'] [data-traffic] div");
    awaitCss(b, "[data-service='demo-churn'] tr[data-rollout][data-state='SUCCEEDED']");
    awaitCss(b, "[data-service='demo-churn'] tr[data-rollout][data-state='ROLLED_BACK']");
    screenshot(b, "services");

    b.get(consoleBase() + "/#/experiments");
    awaitCss(b, "#experiments tr[data-experiment^='demo-nb-']");
    screenshot(b, "experiments");

    b.get(consoleBase() + "/#/cost");
    awaitCss(b, "#cost tr[data-owner='demo@mlcp.local']");
    awaitCss(b, "[data-chart] canvas");
    screenshot(b, "cost");
  }

  @Test
  @Order(21)
  void console_log_view_shows_lines_as_a_running_run_writes_them() throws Exception {
    String token = run(List.of("token"), Duration.ofSeconds(30)).output().trim();
    String body =
        "{\"name\":\"console-live\",\"image\":\"" + IMAGE + "\",\"args\":[\"--epochs\",\"5000\"]}";
    String id = (String) object(send("POST", token, "/v1/runs", body, 201)).get("id");
    WebDriver b = openConsole();
    b.get(consoleBase() + "/#/runs/" + id);
    awaitCss(b, "#log[data-run='" + id + "']");
    WebDriverWait wait = new WebDriverWait(b, Duration.ofSeconds(120));
    wait.until(d -> lines(d) >= 1);
    int first = lines(b);
    // New lines while the run is still running: the view follows, it did not load a finished log.
    wait.until(d -> lines(d) > first);
    assertThat(getRun(token, id).get("state")).isEqualTo("RUNNING");
    screenshot(b, "run-logs");
    send("DELETE", token, "/v1/runs/" + id, null, 200);
    wait.until(d -> d.findElement(By.id("log-state")).getText().equals("ended: CANCELLED"));
    assertThat(b.findElement(By.id("run-state")).getText()).isEqualTo("CANCELLED");
  }

  @Test
  @Order(22)
  void console_highlights_a_vm_no_live_run_owns() throws Exception {
    String succeeded = demoResult().group(1);
    WebDriver b = openConsole();
    // A VM of an ended run left behind, as when training-runner crashed between the completion and
    // the delete. The reconciler (every minute) deletes it: look for it quickly, and again with a
    // fresh one if it was deleted before the page showed it.
    for (int attempt = 1; attempt <= 3; attempt++) {
      String name = "run-leaked-" + attempt + "-" + Long.toString(System.nanoTime(), 36);
      Process agent = new ProcessBuilder("sleep", "600").start();
      Path dir = home.resolve("state/instances").resolve(name);
      try {
        writeLocalInstance(dir, name, agent, Map.of("mlcp-run", succeeded));
        b.get(consoleBase() + "/#/vms");
        String row = "#vms tr[data-vm='" + name + "'].leaked";
        boolean seen =
            new WebDriverWait(b, Duration.ofSeconds(45))
                .until(d -> !d.findElements(By.cssSelector(row)).isEmpty() || !Files.exists(dir));
        if (seen && !b.findElements(By.cssSelector(row)).isEmpty()) {
          assertThat(b.findElement(By.cssSelector(row)).getText())
              .contains("run succeeded")
              .contains(succeeded)
              .contains("LEAKED");
          assertThat(b.findElement(By.id("vm-summary")).getText()).contains("no live owner");
          screenshot(b, "vms");
          return;
        }
      } finally {
        agent.destroyForcibly().waitFor();
        deleteTree(dir);
      }
    }
    throw new AssertionError("the leaked VM was deleted three times before the console showed it");
  }

  // ---- console helpers ------------------------------------------------------------------------

  static WebDriver browser;

  static Matcher demoResult() {
    assertThat(demoOutput).as("the demo ran (@Order(1))").isNotNull();
    Matcher m =
        Pattern.compile("DEMO_RESULT ok=1 succeeded=(\\S+) failed=(\\S+)").matcher(demoOutput);
    assertThat(m.find()).as(demoOutput).isTrue();
    return m;
  }

  static String consoleBase() throws IOException {
    URI url = URI.create(Files.readString(home.resolve("run/console.url")).trim());
    return "http://" + url.getHost() + ":" + url.getPort();
  }

  /** The browser, on the console's page of runs, with the session cookie its key set. */
  static WebDriver openConsole() throws IOException {
    if (browser == null) {
      browser = ConsoleBrowser.start(home.resolve("chromium-profile"));
    }
    String url = Files.readString(home.resolve("run/console.url")).trim();
    browser.get(url);
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(d -> d.getCurrentUrl().equals(consoleBase(url) + "/"));
    browser.get(consoleBase(url) + "/#/runs");
    return browser;
  }

  private static String consoleBase(String url) {
    URI u = URI.create(url);
    return "http://" + u.getHost() + ":" + u.getPort();
  }

  static void awaitCss(WebDriver b, String css) {
    try {
      new WebDriverWait(b, Duration.ofSeconds(90))
          .until(d -> !d.findElements(By.cssSelector(css)).isEmpty());
    } catch (TimeoutException e) {
      throw new AssertionError(
          "no "
              + css
              + " on "
              + b.getCurrentUrl()
              + "; the page shows:\n"
              + b.findElement(By.tagName("main")).getText(),
          e);
    }
  }

  static int lines(WebDriver d) {
    return d.findElements(By.cssSelector("#log .line")).size();
  }

  /**
   * With {@code MLCP_CONSOLE_SCREENSHOTS=DIR} in the environment (docs/console when refreshing the
   * docs). An environment variable, not a -D property: Maven hands -D properties to every test JVM,
   * and the Quarkus tests refuse an unknown {@code mlcp.*} property.
   */
  static void screenshot(WebDriver b, String name) throws IOException {
    String dir = System.getenv("MLCP_CONSOLE_SCREENSHOTS");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path target = Path.of(dir).toAbsolutePath();
    Files.createDirectories(target);
    byte[] png = ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES);
    Files.write(target.resolve(name + ".png"), png);
  }

  /** A local "VM" as the local Instances adapter records one: its state file and a process. */
  static void writeLocalInstance(Path dir, String name, Process agent, Map<String, String> labels)
      throws IOException {
    long started =
        agent.info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis());
    Map<String, Object> spec = new HashMap<>();
    spec.put("name", name);
    spec.put("zones", List.of("local-a"));
    spec.put("machineType", "e2-standard-4");
    spec.put("labels", labels);
    Map<String, Object> state = new HashMap<>();
    state.put("spec", spec);
    state.put("zone", "local-a");
    state.put("createdEpochMillis", System.currentTimeMillis() - 600_000);
    state.put("pid", agent.pid());
    state.put("processStartEpochMillis", started);
    state.put("stopped", false);
    state.put("deadlineEpochMillis", 0);
    Files.createDirectories(dir);
    Path tmp = dir.resolve("instance.json.tmp");
    Files.write(tmp, new ObjectMapper().writeValueAsBytes(state));
    Files.move(tmp, dir.resolve("instance.json"), StandardCopyOption.ATOMIC_MOVE);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String send(String method, String token, String path, String body, int expected)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (base + 2) + path))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(30));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
    return response.body();
  }

  // ---- helpers --------------------------------------------------------------------------------

  record Result(int exitCode, String output) {}

  static Result run(List<String> args, Duration timeout) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("bash", repo.resolve("infra/local/mlcp").toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("MLCP_HOME", home.toString());
    pb.environment().put("MLCP_PORT_BASE", Integer.toString(base));
    pb.environment().put("MLCP_DEMO_TIMEOUT", "240");
    Path out = Files.createTempFile(home, "cmd", ".out");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      return new Result(-1, Files.readString(out) + "\n(timed out)");
    }
    return new Result(p.exitValue(), Files.readString(out));
  }

  /** {@code bin/mlcp args...} against this test's local mode (its MLCP_HOME); stdout and stderr. */
  static Result cli(List<String> args, Duration timeout) throws Exception {
    List<String> command = new ArrayList<>(List.of(repo.resolve("bin/mlcp").toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
    pb.environment().put("MLCP_HOME", home.toString());
    pb.environment().put("MLCP_CONFIG", home.resolve("cli-config.json").toString());
    pb.environment().remove("MLCP_MODE");
    Path out = Files.createTempFile(home, "cli", ".out");
    Path err = Files.createTempFile(home, "cli", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      return new Result(-1, Files.readString(err) + Files.readString(out) + "\n(timed out)");
    }
    // stdout alone when it is the product (JSON); stderr first otherwise, for the messages.
    String stdout = Files.readString(out);
    return new Result(
        p.exitValue(), args.contains("--format=json") ? stdout : Files.readString(err) + stdout);
  }

  static List<Path> localVms() throws IOException {
    Path dir = home.resolve("state/instances");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.exists(p.resolve("instance.json"))).toList();
    }
  }

  static String gcloud() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "gcloud"))) {
        return Path.of(dir, "gcloud").toString();
      }
    }
    return null;
  }

  static void publishWithGcloud(String data, Map<String, String> attributes) throws Exception {
    StringBuilder attrs = new StringBuilder();
    attributes.forEach(
        (k, v) -> attrs.append(attrs.length() == 0 ? "" : ",").append(k).append('=').append(v));
    ProcessBuilder pb =
        new ProcessBuilder(
                gcloud(),
                "pubsub",
                "topics",
                "publish",
                "training-requests",
                "--message=" + data,
                "--attribute=" + attrs)
            .redirectErrorStream(true);
    pb.environment()
        .put("CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB", "http://127.0.0.1:" + base + "/");
    pb.environment().put("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "true");
    pb.environment().put("CLOUDSDK_CORE_PROJECT", "mlcp-local");
    pb.environment().put("CLOUDSDK_CONFIG", home.resolve("gcloud").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  static void publishWithClient(String data, Map<String, String> attributes) throws Exception {
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget("127.0.0.1:" + base).usePlaintext().build();
    Publisher publisher =
        Publisher.newBuilder(TopicName.of("mlcp-local", "training-requests"))
            .setChannelProvider(
                FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
            .setCredentialsProvider(NoCredentialsProvider.create())
            .build();
    try {
      ApiFuture<String> id =
          publisher.publish(
              PubsubMessage.newBuilder()
                  .setData(ByteString.copyFromUtf8(data))
                  .putAllAttributes(attributes)
                  .build());
      id.get(30, TimeUnit.SECONDS);
    } finally {
      publisher.shutdown();
      publisher.awaitTermination(10, TimeUnit.SECONDS);
      channel.shutdownNow();
    }
  }

  static Map<String, Object> getRun(String token, String id) throws Exception {
    return object(get(token, "/v1/runs/" + id));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> findRun(String token, String name) throws Exception {
    Map<String, Object> page = object(get(token, "/v1/runs"));
    for (Object r : (List<Object>) page.get("runs")) {
      Map<String, Object> run = (Map<String, Object>) r;
      if (name.equals(run.get("name"))) {
        return run;
      }
    }
    return null;
  }

  static String get(String token, String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (base + 2) + path))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(String json) throws IOException {
    return new ObjectMapper().readValue(json, Map.class);
  }

  /** A base port with {@code n} free consecutive ports. */
  static int freePortRun(int n) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int candidate;
      try (ServerSocket s = new ServerSocket(0)) {
        candidate = s.getLocalPort();
      }
      if (candidate + n > 65535) {
        continue;
      }
      boolean free = true;
      for (int i = 0; i < n && free; i++) {
        try (ServerSocket s = new ServerSocket(candidate + i)) {
          free = s.getLocalPort() == candidate + i;
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return candidate;
      }
    }
    throw new IOException("no " + n + " consecutive free ports");
  }
}
