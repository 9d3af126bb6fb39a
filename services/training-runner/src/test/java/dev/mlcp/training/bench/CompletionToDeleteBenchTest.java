package dev.mlcp.training.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.core.ApiFuture;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.training.LocalVmResource;
import dev.mlcp.training.runs.InstancePlan;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.RunState;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Completion publish to VM delete call, through the real path: training-completed events published
 * to the Pub/Sub emulator, pulled by the app's {@code training-completed} channel, applied by
 * {@link RunService#complete}, ending in {@code Instances.delete} (timed by {@link
 * RecordingInstances}). The runs are created through {@link RunService#submit} first, so they are
 * stored and RUNNING. Two phases: completions paced at {@code bench.completion-rate} per second
 * (default 50), then a burst of all at once (a mass completion, e.g. a sweep ending).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@WithTestResource(PubSubEmulatorResource.class)
@Tag("bench")
class CompletionToDeleteBenchTest {
  static final int RUNS = Integer.getInteger("bench.completions", 1000);
  static final int RATE = Integer.getInteger("bench.completion-rate", 50);
  static final int WARM_UP = 50;
  static final String OWNER = "bench@example.com";

  @Inject RunService service;
  @Inject InstancePlan plan;
  @Inject RecordingInstances instances;

  final CloudEventCodec codec = new CloudEventCodec();

  @Test
  void completion_publish_to_instance_delete_latency() throws Exception {
    BenchProfile.awaitReady();
    List<Run> warmUp = submit(WARM_UP);
    List<Run> paced = submit(RUNS);
    List<Run> burst = submit(RUNS);

    Publisher publisher =
        PubSubEmulatorResource.current().clients().publisherBuilder("training-completed").build();
    try {
      measure(publisher, warmUp, 0, "warm-up");
      Result p = measure(publisher, paced, RATE, "paced");
      Result b = measure(publisher, burst, 0, "burst");

      System.out.println();
      System.out.println("=== completion publish -> Instances.delete (emulator, pull mode) ===");
      print(p, String.format(Locale.ROOT, "paced %d/s", RATE));
      print(b, "burst (all published at once)");
      assertThat(p.missing()).as("completions never applied (paced)").isZero();
      assertThat(b.missing()).as("completions never applied (burst)").isZero();
    } finally {
      publisher.shutdown();
      publisher.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  record Result(Stats stats, int missing, double throughputPerSecond, double wallSeconds) {}

  static void print(Result r, String label) {
    System.out.println(r.stats().line(label));
    System.out.printf(
        Locale.ROOT,
        "%-44s throughput=%.0f deletes/s (first publish to last delete %.2f s), missing=%d%n",
        "",
        r.throughputPerSecond(),
        r.wallSeconds(),
        r.missing());
  }

  /** Submits {@code n} runs in parallel (each submit waits for its run-events acks). */
  List<Run> submit(int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Run>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () ->
                    service.submit(
                        OWNER, RunSpec.of("bench", LocalVmResource.TRAINER_IMAGE), null, null)));
      }
      List<Run> runs = new ArrayList<>();
      for (Future<Run> f : futures) {
        Run run = f.get(5, TimeUnit.MINUTES);
        assertThat(run.state()).isEqualTo(RunState.RUNNING);
        runs.add(run);
      }
      return runs;
    } finally {
      pool.shutdown();
    }
  }

  Result measure(Publisher publisher, List<Run> runs, int ratePerSecond, String phase)
      throws Exception {
    long[] publishedAt = new long[runs.size()];
    List<ApiFuture<String>> acks = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < runs.size(); i++) {
      if (ratePerSecond > 0) {
        long due = start + i * 1_000_000_000L / ratePerSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      EncodedEvent encoded = codec.encode(completion(runs.get(i)));
      PubsubMessage message =
          PubsubMessage.newBuilder()
              .setData(ByteString.copyFrom(encoded.data()))
              .putAllAttributes(encoded.attributes())
              .build();
      publishedAt[i] = System.nanoTime();
      acks.add(publisher.publish(message));
    }
    for (ApiFuture<String> ack : acks) {
      ack.get(30, TimeUnit.SECONDS);
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline && deletedCount(runs) < runs.size()) {
      Thread.sleep(20);
    }
    List<Long> latencies = new ArrayList<>();
    long lastDelete = start;
    for (int i = 0; i < runs.size(); i++) {
      Long deleted = instances.deletedAtNanos.get(runs.get(i).instance());
      if (deleted != null) {
        latencies.add(deleted - publishedAt[i]);
        lastDelete = Math.max(lastDelete, deleted);
      }
    }
    long[] nanos = latencies.stream().mapToLong(Long::longValue).toArray();
    double wall = (lastDelete - publishedAt[0]) / 1e9;
    Result result =
        new Result(Stats.of(nanos), runs.size() - nanos.length, nanos.length / wall, wall);
    System.out.println(result.stats().line("[" + phase + "]"));
    return result;
  }

  int deletedCount(List<Run> runs) {
    int n = 0;
    for (Run run : runs) {
      if (instances.deletedAtNanos.containsKey(run.instance())) {
        n++;
      }
    }
    return n;
  }

  /** What the VM agent of {@code run} publishes when its container exited 0. */
  EventEnvelope<TrainingCompleted> completion(Run run) {
    Instant now = Instant.now();
    return EventEnvelope.of(
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
            null));
  }
}
