package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mlcp.events.ScheduledJobs;
import dev.mlcp.events.ScheduledJobs.Caller;
import dev.mlcp.events.ScheduledJobs.Job;
import dev.mlcp.events.ScheduledJobs.Method;
import dev.mlcp.local.Scheduler.JobState;
import dev.mlcp.local.Scheduler.State;
import dev.mlcp.local.Scheduler.Tick;
import dev.mlcp.web.token.LocalKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerTest {

  private static final Duration PERIOD = Duration.ofMillis(300);

  /** The jobs of one service, all served by one stub here. */
  private static final List<Job> TRAINING_JOBS = ScheduledJobs.of("training-runner");

  @TempDir Path dir;

  /** One request the stub received. */
  record Call(long nanos, String method, String path, String authorization) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<HttpServer> servers = new ArrayList<>();
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
  private Scheduler scheduler;

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
    servers.forEach(s -> s.stop(0));
  }

  @Test
  void calls_every_job_at_its_period_with_an_admin_token_the_services_accept() throws Exception {
    Path keys = dir.resolve("auth");
    LocalKeys.generate(keys);
    Scheduler.Tokens tokens = Scheduler.minting(keys);
    tokens.token(Caller.SCHEDULER); // token minting warms up outside the measured time
    int port = stub(0, path -> 200);
    scheduler = scheduler(TRAINING_JOBS, Map.of("training-runner", port), tokens);

    long start = System.nanoTime();
    scheduler.start();
    await(() -> TRAINING_JOBS.stream().allMatch(j -> callsTo(j.path()).size() >= 5));
    scheduler.close();
    long stopped = System.nanoTime();

    for (Job job : TRAINING_JOBS) {
      List<Call> received = callsTo(job.path());
      // Ticks are due at start + k * period: the fifth call cannot come before four periods,
      // and no more calls come than periods passed.
      assertThat(received.get(4).nanos() - start).isGreaterThanOrEqualTo(PERIOD.toNanos() * 4);
      assertThat(received.size())
          .isLessThanOrEqualTo((int) ((stopped - start) / PERIOD.toNanos()) + 1);
      assertThat(received)
          .allSatisfy(
              c -> {
                assertThat(c.method()).isEqualTo(job.method().name());
                assertThat(c.authorization()).startsWith("Bearer ");
                JsonNode claims = verifiedClaims(c.authorization().substring(7), keys);
                assertThat(claims.get("email").asText()).isEqualTo("admin@mlcp.local");
                assertThat(claims.get("aud").asText()).isEqualTo("mlcp-local");
              });
    }
  }

  @Test
  void keeps_the_last_tick_of_each_job_in_the_state_file() throws Exception {
    int port = stub(0, path -> path.endsWith("reconcile") ? 200 : 202);
    scheduler = scheduler(TRAINING_JOBS, Map.of("training-runner", port), c -> "t");

    scheduler.start();
    await(() -> TRAINING_JOBS.stream().allMatch(j -> callsTo(j.path()).size() >= 2));
    await(() -> lastTicks().size() == TRAINING_JOBS.size());

    State state = Scheduler.readState(dir.resolve("state.json"));
    assertThat(state.jobs().keySet())
        .containsExactly("training-runner-reconcile", "training-runner-schedules-tick");
    JobState reconcile = state.jobs().get("training-runner-reconcile");
    assertThat(reconcile.url()).isEqualTo("http://127.0.0.1:" + port + "/internal/reconcile");
    assertThat(reconcile.last().status()).isEqualTo(200);
    assertThat(reconcile.last().summary()).isEqualTo("{\"path\": \"/internal/reconcile\"}");
    assertThat(state.jobs().get("training-runner-schedules-tick").last().status()).isEqualTo(202);
    assertThat(logBytes.toString(StandardCharsets.UTF_8))
        .contains(
            "training-runner-reconcile POST http://127.0.0.1:"
                + port
                + "/internal/reconcile -> 200 in ");
  }

  @Test
  void survives_an_error_status_and_a_refused_connection_and_calls_again_next_period()
      throws Exception {
    AtomicInteger flakyCalls = new AtomicInteger();
    int up = stub(0, path -> flakyCalls.incrementAndGet() <= 2 ? 500 : 200);
    int down = freePort();
    Job flaky = job("flaky", "flaky-service", "/internal/flaky");
    Job unreachable = job("unreachable", "down-service", "/internal/down");
    scheduler =
        scheduler(
            List.of(flaky, unreachable),
            Map.of("flaky-service", up, "down-service", down),
            c -> "t");

    scheduler.start();
    await(() -> callsTo("/internal/flaky").size() >= 3 && log().split("no response").length > 3);
    State meanwhile = Scheduler.readState(dir.resolve("state.json"));
    stub(down, path -> 200); // the service comes up
    await(() -> !callsTo("/internal/down").isEmpty());
    await(() -> lastTicks().get("unreachable").status() == 200);

    assertThat(log())
        .contains("flaky POST http://127.0.0.1:" + up + "/internal/flaky -> 500 in ")
        .contains("flaky POST http://127.0.0.1:" + up + "/internal/flaky -> 200 in ")
        .contains("unreachable POST http://127.0.0.1:" + down + "/internal/down -> failed in ")
        .contains("no response: ConnectException");
    assertThat(meanwhile.jobs().get("unreachable").last().status()).isZero();
    assertThat(meanwhile.jobs().get("unreachable").last().summary()).startsWith("no response: ");
    assertThat(lastTicks().get("flaky").status()).isEqualTo(200);
  }

  @Test
  void a_job_whose_token_cannot_be_minted_is_logged_and_tried_again() throws Exception {
    int port = stub(0, path -> 200);
    AtomicInteger mints = new AtomicInteger();
    Scheduler.Tokens failingOnce =
        c -> {
          if (mints.incrementAndGet() == 1) {
            throw new IOException("no readable private-key.pem");
          }
          return "t";
        };
    Job job = job("once", "svc", "/internal/once");
    scheduler = scheduler(List.of(job), Map.of("svc", port), failingOnce);

    scheduler.start();
    await(() -> !callsTo("/internal/once").isEmpty());

    assertThat(log())
        .contains("once POST")
        .contains("not called, no token: IOException: no readable");
  }

  @Test
  void status_shows_each_jobs_period_and_last_tick_with_failing_and_late_ones_marked() {
    Instant now = Instant.parse("2026-11-23T10:00:00Z");
    Map<String, JobState> jobs = new LinkedHashMap<>();
    jobs.put(
        "training-runner-reconcile",
        new JobState(
            "http://127.0.0.1:8092/internal/reconcile",
            Duration.ofMinutes(1),
            new Tick(now.minusSeconds(12), 200, 45, "{\"deleted\": []}")));
    jobs.put(
        "training-runner-schedules-tick",
        new JobState(
            "http://127.0.0.1:8092/internal/schedules:tick",
            Duration.ofMinutes(1),
            new Tick(now.minusSeconds(300), 500, 7, "{\"title\": \"boom\"}")));

    List<String> lines =
        Scheduler.statusLines(ScheduledJobs.ALL, new State(now.minusSeconds(900), jobs), now);

    assertThat(lines.get(0)).contains("SCHEDULED JOB").contains("LAST TICK");
    assertThat(lines.get(1))
        .contains("training-runner-reconcile", "1 min", "12 s ago: HTTP 200 in 45 ms")
        .doesNotContain("FAILING", "LATE");
    assertThat(lines.get(2))
        .contains("training-runner-schedules-tick", "5 min ago: HTTP 500 in 7 ms")
        .contains("FAILING", "LATE");
  }

  @Test
  void status_without_a_state_file_lists_every_job_as_never_run() throws Exception {
    State none = Scheduler.readState(dir.resolve("absent.json"));

    List<String> lines = Scheduler.statusLines(ScheduledJobs.ALL, none, Instant.now());

    assertThat(lines).hasSize(ScheduledJobs.ALL.size() + 1);
    assertThat(lines.subList(1, lines.size()))
        .allSatisfy(l -> assertThat(l).contains("never (the scheduler has not run)"));
  }

  @Test
  void summary_keeps_the_start_of_the_body_on_one_line() {
    assertThat(Scheduler.summary("{\n  \"a\": 1\n}")).isEqualTo("{ \"a\": 1 }");
    assertThat(Scheduler.summary("")).isEqualTo("(empty body)");
    assertThat(Scheduler.summary("x".repeat(500))).hasSize(Scheduler.SUMMARY_CHARS + 3);
  }

  private Scheduler scheduler(List<Job> jobs, Map<String, Integer> ports, Scheduler.Tokens t) {
    return new Scheduler(
        jobs, ports, t, dir.resolve("state.json"), log, j -> PERIOD, Clock.systemUTC());
  }

  private static Job job(String name, String service, String path) {
    return new Job(
        name, service, Method.POST, path, Duration.ofMinutes(1), "* * * * *", Caller.SCHEDULER);
  }

  /** A stub answering every path with {@code status.apply(path)}; returns its port. */
  private int stub(int port, java.util.function.ToIntFunction<String> status) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/",
        (HttpExchange ex) -> {
          String path = ex.getRequestURI().getPath();
          calls.add(
              new Call(
                  System.nanoTime(),
                  ex.getRequestMethod(),
                  path,
                  ex.getRequestHeaders().getFirst("Authorization")));
          byte[] body = ("{\"path\": \"" + path + "\"}").getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status.applyAsInt(path), body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private List<Call> callsTo(String path) {
    return calls.stream().filter(c -> c.path().equals(path)).toList();
  }

  private String log() {
    return logBytes.toString(StandardCharsets.UTF_8);
  }

  private Map<String, Tick> lastTicks() {
    try {
      State state = Scheduler.readState(dir.resolve("state.json"));
      Map<String, Tick> ticks = new LinkedHashMap<>();
      if (state != null) {
        state
            .jobs()
            .forEach(
                (name, s) -> {
                  if (s.last() != null) {
                    ticks.put(name, s.last());
                  }
                });
      }
      return ticks;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** The claims of a local token, after checking its RS256 signature with the public key. */
  private static JsonNode verifiedClaims(String jwt, Path keys) {
    try {
      String[] parts = jwt.split("\\.");
      String pem =
          Files.readString(keys.resolve(LocalKeys.PUBLIC_KEY))
              .replaceAll("-----[A-Z ]+-----", "")
              .replaceAll("\\s", "");
      PublicKey key =
          KeyFactory.getInstance("RSA")
              .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initVerify(key);
      rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      assertThat(rs256.verify(Base64.getUrlDecoder().decode(parts[2])))
          .as("signature verifies")
          .isTrue();
      return Scheduler.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    } catch (Exception e) {
      throw new AssertionError("not a valid local token: " + jwt, e);
    }
  }
}
