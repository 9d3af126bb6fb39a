package dev.mlcp.training.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Severity;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import dev.mlcp.training.LocalVmResource;
import dev.mlcp.training.runs.InstancePlan;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.RunState;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Log follows under load: {@code bench.followers} (500) SSE follows of {@code bench.followed-runs}
 * (50) runs, owned by 25 users (20 follows each, the default per-user cap), while entries are
 * written to the followed runs at {@code bench.log-rate} (100) per second in all, and completions
 * are pushed to {@code POST /pubsub/push/training-completed} at {@code bench.completion-rate} (20)
 * per second, as Pub/Sub push does on Cloud Run. Reports the completion ack latency (HTTP 204) with
 * and without the followers, live threads and heap (after GC) before and during, {@code Logs.read}
 * calls per second ({@link CountingLogs}) and the events the followers received.
 *
 * <p>Followers are read without a thread each (line subscribers on a 4-thread client executor), so
 * the thread count is the service's (plus that small client). Only the counts are asserted: the
 * latencies are printed, the machine is shared.
 */
@QuarkusTest
@TestProfile(LogFollowBenchProfile.class)
@WithTestResource(PubSubEmulatorResource.class)
@Tag("bench")
class LogFollowLoadBenchTest {
  static final int FOLLOWERS = Integer.getInteger("bench.followers", 500);
  static final int FOLLOWED_RUNS = Integer.getInteger("bench.followed-runs", 50);
  static final int USERS = 25;
  static final int COMPLETIONS = Integer.getInteger("bench.completions", 300);
  static final int RATE = Integer.getInteger("bench.completion-rate", 20);
  static final int LOG_RATE = Integer.getInteger("bench.log-rate", 100);

  @Inject RunService service;
  @Inject InstancePlan plan;
  @Inject CountingLogs logs;

  final CloudEventCodec codec = new CloudEventCodec();
  final ObjectMapper json = new ObjectMapper();
  final ExecutorService clientPool = Executors.newFixedThreadPool(4);
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .executor(clientPool)
          .build();
  final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

  static String user(int i) {
    return "user" + (i % USERS) + "@example.com";
  }

  @Test
  void completion_acks_while_500_followers_stream_logs() throws Exception {
    BenchProfile.awaitReady();
    List<Run> followed = new ArrayList<>();
    for (int r = 0; r < FOLLOWED_RUNS; r++) {
      followed.add(
          service.submit(
              user(r), RunSpec.of("followed", LocalVmResource.TRAINER_IMAGE), null, null));
    }
    List<Run> warmUp = submit(20);
    List<Run> quiet = submit(COMPLETIONS);
    List<Run> loaded = submit(COMPLETIONS);
    push(warmUp, 0, "warm-up");

    Snapshot before = snapshot();
    Stats quietStats = push(quiet, RATE, "without followers");

    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    Thread writer = writer(followed, writing, written);
    List<Follower> followers = new ArrayList<>();
    Map<String, Integer> refused = new TreeMap<>();
    long openStart = System.nanoTime();
    for (int i = 0; i < FOLLOWERS; i++) {
      Run run = followed.get(i % FOLLOWED_RUNS);
      followers.add(follow(run, user(i % FOLLOWED_RUNS)));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline
        && followers.stream().filter(f -> f.opened.get()).count() < FOLLOWERS) {
      Thread.sleep(100);
    }
    double openSeconds = (System.nanoTime() - openStart) / 1e9;
    for (Follower f : followers) {
      if (f.status.get() != 200) {
        refused.merge("HTTP " + f.status.get(), 1, Integer::sum);
      }
    }
    long opened = followers.stream().filter(f -> f.opened.get()).count();
    Thread.sleep(3000);

    Snapshot during = snapshot();
    AtomicInteger peakThreads = new AtomicInteger(threads.getThreadCount());
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                peakThreads.accumulateAndGet(threads.getThreadCount(), Math::max);
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.start();
    long reads0 = logs.reads.get();
    long events0 = followers.stream().mapToLong(f -> f.logEvents.get()).sum();
    long written0 = written.get();
    long t0 = System.nanoTime();
    Stats loadedStats = push(loaded, RATE, "with " + opened + " followers");
    double seconds = (System.nanoTime() - t0) / 1e9;
    long reads = logs.reads.get() - reads0;
    long events = followers.stream().mapToLong(f -> f.logEvents.get()).sum() - events0;
    long entries = written.get() - written0;
    sampling.set(false);
    sampler.join();

    writing.set(false);
    writer.join();
    followers.forEach(Follower::cancel);

    System.out.println();
    System.out.println("=== completion push -> 204 (handler acked) while logs are followed ===");
    System.out.println(quietStats.line("no followers"));
    System.out.println(loadedStats.line(opened + " followers of " + FOLLOWED_RUNS + " runs"));
    System.out.printf(
        Locale.ROOT,
        "followers: %d of %d opened in %.1f s, refused %s%n",
        opened,
        FOLLOWERS,
        openSeconds,
        refused);
    System.out.printf(
        Locale.ROOT,
        "threads: before %d, during %d (peak %d); heap after GC: before %.1f MiB, during %.1f"
            + " MiB%n",
        before.threads(),
        during.threads(),
        peakThreads.get(),
        before.heapMiB(),
        during.heapMiB());
    System.out.printf(Locale.ROOT, "thread pools during: %s%n", during.pools());
    System.out.printf(
        Locale.ROOT,
        "Logs.read: %.1f/s; entries written %.1f/s; log events received by followers %.1f/s"
            + " (over %.1f s)%n",
        reads / seconds,
        entries / seconds,
        events / seconds,
        seconds);
    assertThat(quietStats.acked()).isEqualTo(COMPLETIONS);
    assertThat(loadedStats.acked()).isEqualTo(COMPLETIONS);
    assertThat(opened).as("followers opened").isEqualTo(FOLLOWERS);
    assertThat(events).as("followers received entries").isPositive();
  }

  record Snapshot(int threads, double heapMiB, Map<String, Integer> pools) {}

  Snapshot snapshot() throws InterruptedException {
    System.gc();
    Thread.sleep(200);
    Map<String, Integer> pools = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName().replaceAll("[-#]?\\d+$", "").replaceAll("-\\d+-", "-");
      pools.merge(name, 1, Integer::sum);
    }
    pools.values().removeIf(n -> n < 4);
    return new Snapshot(
        threads.getThreadCount(), memory.getHeapMemoryUsage().getUsed() / 1048576.0, pools);
  }

  /** Writes entries round-robin to the followed runs at LOG_RATE per second. */
  Thread writer(List<Run> runs, AtomicBoolean writing, AtomicLong written) {
    Thread t =
        new Thread(
            () -> {
              long start = System.nanoTime();
              long i = 0;
              while (writing.get()) {
                long wait = start + i * 1_000_000_000L / LOG_RATE - System.nanoTime();
                if (wait > 0) {
                  try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
                Run run = runs.get((int) (i % runs.size()));
                logs.write(
                    run.id(),
                    List.of(
                        new LogEntry(Instant.now(), Severity.INFO, "bench line " + i, Map.of())));
                written.incrementAndGet();
                i++;
              }
            },
            "bench-log-writer");
    t.start();
    return t;
  }

  /** One follow, read by a line subscriber: no thread of its own. */
  static final class Follower implements Flow.Subscriber<String> {
    final AtomicBoolean opened = new AtomicBoolean();
    final AtomicLong logEvents = new AtomicLong();
    final AtomicInteger status = new AtomicInteger();
    volatile Flow.Subscription subscription;
    volatile boolean cancelled;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(String line) {
      if (line.startsWith("event: open")) {
        opened.set(true);
      } else if (line.startsWith("event: log")) {
        logEvents.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  Follower follow(Run run, String owner) {
    Follower f = new Follower();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://localhost:"
                        + RestAssured.port
                        + "/v1/runs/"
                        + run.id()
                        + "/logs?follow=true"))
            .header(
                "Authorization",
                "Bearer " + TOKENS.computeIfAbsent(owner, o -> TestTokens.googleIdToken(o).sign()))
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    HttpResponse.BodyHandler<Void> lines = HttpResponse.BodyHandlers.fromLineSubscriber(f);
    http.sendAsync(
        request,
        info -> {
          f.status.set(info.statusCode());
          return lines.apply(info);
        });
    return f;
  }

  static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

  /**
   * Submits {@code n} runs one after the other, spread over 50 owners (submits of one owner in
   * parallel race in the local store's index listing, which is not what is measured here).
   */
  List<Run> submit(int n) {
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Run run =
          service.submit(
              "bench" + (i % 50) + "@example.com",
              RunSpec.of("bench", LocalVmResource.TRAINER_IMAGE),
              null,
              null);
      assertThat(run.state()).isEqualTo(RunState.RUNNING);
      runs.add(run);
    }
    return runs;
  }

  record Stats(dev.mlcp.training.bench.Stats latency, int acked, Map<String, Integer> failures) {
    String line(String label) {
      return latency.line(label) + "  acked=" + acked + (failures.isEmpty() ? "" : " " + failures);
    }
  }

  /** Pushes one completion per run at {@code rate} per second (0: at once); waits for all. */
  Stats push(List<Run> runs, int rate, String phase) throws Exception {
    URI endpoint =
        URI.create("http://localhost:" + RestAssured.port + "/pubsub/push/training-completed");
    List<CompletableFuture<Void>> done = new ArrayList<>();
    List<Long> latencies = new CopyOnWriteArrayList<>();
    AtomicInteger acked = new AtomicInteger();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    for (int i = 0; i < runs.size(); i++) {
      if (rate > 0) {
        long wait = start + i * 1_000_000_000L / rate - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      HttpRequest request =
          HttpRequest.newBuilder(endpoint)
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(envelope(runs.get(i))))
              .build();
      long sent = System.nanoTime();
      done.add(
          http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
              .handle(
                  (response, failure) -> {
                    latencies.add(System.nanoTime() - sent);
                    if (failure == null && response.statusCode() == 204) {
                      acked.incrementAndGet();
                    } else {
                      failures.merge(
                          failure != null
                              ? failure.getClass().getSimpleName()
                              : "HTTP " + response.statusCode(),
                          1,
                          Integer::sum);
                    }
                    return null;
                  }));
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
    Stats stats =
        new Stats(
            dev.mlcp.training.bench.Stats.of(
                latencies.stream().mapToLong(Long::longValue).toArray()),
            acked.get(),
            new TreeMap<>(failures));
    System.out.println(stats.line("[" + phase + "]"));
    return stats;
  }

  /** A Pub/Sub push request for the completion the VM agent of {@code run} publishes. */
  String envelope(Run run) throws Exception {
    Instant now = Instant.now();
    EncodedEvent encoded =
        codec.encode(
            EventEnvelope.of(
                "//mlcp/vm-agent/" + run.instance(),
                new TrainingCompleted(
                    run.id(),
                    run.attempt(),
                    run.instance(),
                    run.zone(),
                    0,
                    plan.outputUri(run),
                    new ResourceUse(60, 50, 1 << 30, 0),
                    now.minusSeconds(60),
                    now,
                    null)));
    ObjectNode root = json.createObjectNode();
    ObjectNode message = root.putObject("message");
    message.put("data", Base64.getEncoder().encodeToString(encoded.data()));
    ObjectNode attributes = message.putObject("attributes");
    encoded.attributes().forEach(attributes::put);
    String id = run.id() + "-" + System.nanoTime();
    message.put("messageId", id);
    message.put("publishTime", now.toString());
    root.put("subscription", "projects/mlcp-test/subscriptions/training-runner.training-completed");
    root.put("deliveryAttempt", 1);
    return json.writeValueAsString(root);
  }
}
