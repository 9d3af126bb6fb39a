package dev.mlcp.registry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.core.ApiFuture;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.Machine;
import dev.mlcp.events.ModelEvent;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code run.succeeded} published on the emulator to {@code model.registered} received from it,
 * through the whole service (pull channel, registration with copies, manifest, DuckDB rows, gate,
 * staging deletion, outbox publish): 1,000 runs ({@code -Dbench.runs}) of 10 models, each with a
 * model file and a metrics.json, paced at {@code bench.rate} per second (default 20), then a burst
 * of as many published at once.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@WithTestResource(PubSubEmulatorResource.class)
@Tag("bench")
class EventToRegisteredBenchTest {
  static final int RUNS = Integer.getInteger("bench.runs", 1000);
  static final int RATE = Integer.getInteger("bench.rate", 20);
  static final int MODELS = 10;

  final CloudEventCodec codec = new CloudEventCodec();
  final Map<String, Long> registeredAt = new ConcurrentHashMap<>();

  @Test
  void event_to_model_registered_latency() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (RestAssured.get("/q/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    EmulatorClients clients = PubSubEmulatorResource.current().clients();
    clients.createPullSubscription("bench.model-versions", "model-versions");
    LocalDirectoryObjectStore store =
        new LocalDirectoryObjectStore(BenchProfile.STATE.resolve("objects"));
    Thread receiver =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                for (PubsubMessage m :
                    clients.receive("bench.model-versions", 500, Duration.ofSeconds(1))) {
                  if ("dev.mlcp.model.registered.v1".equals(m.getAttributesMap().get("ce-type"))) {
                    ModelEvent.Registered r =
                        (ModelEvent.Registered)
                            codec.decode(m.getAttributesMap(), m.getData().toByteArray()).data();
                    registeredAt.putIfAbsent(r.runId(), System.nanoTime());
                  }
                }
              }
            },
            "bench-receiver");
    receiver.setDaemon(true);
    receiver.start();

    Publisher publisher = clients.publisherBuilder("run-events").build();
    try {
      measure(publisher, store, "warm-up", 0, 50, 20);
      long[] paced = measure(publisher, store, "paced", 1000, RUNS, RATE);
      long[] burst = measure(publisher, store, "burst", 100_000, RUNS, 0);
      System.out.println();
      System.out.println("=== run.succeeded published -> model.registered received (emulator) ===");
      print(String.format(Locale.ROOT, "paced %d/s", RATE), paced);
      print("burst (all published at once)", burst);
      assertThat(paced).hasSize(RUNS);
    } finally {
      receiver.interrupt();
      publisher.shutdown();
      publisher.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private long[] measure(
      Publisher publisher,
      LocalDirectoryObjectStore store,
      String phase,
      int base,
      int runs,
      int rate)
      throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      String id = String.format("run-%026d", base + i);
      ids.add(id);
      ObjectUri staging = ObjectUri.parse("gs://mlcp-test-staging/staging/" + id + "/");
      store.write(
          staging.resolve("model.json"),
          ("{\"weights\":[" + i + "]}").getBytes(StandardCharsets.UTF_8),
          "application/json",
          WriteCondition.none());
      store.write(
          staging.resolve("metrics.json"),
          ("{\"accuracy\":0.9,\"loss\":[0.5,0.3]}").getBytes(StandardCharsets.UTF_8),
          "application/json",
          WriteCondition.none());
    }
    Map<String, Long> published = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    List<ApiFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      if (rate > 0) {
        long due = start + TimeUnit.SECONDS.toNanos(i) / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      String id = ids.get(i);
      RunEvent.Succeeded e =
          new RunEvent.Succeeded(
              id,
              "bench@example.com",
              1,
              phase + "-model-" + (i % MODELS),
              "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1",
              "gs://mlcp-test-staging/staging/" + id + "/",
              new Machine("n1-standard-4", null, 0, false),
              new ResourceUse(1, 1, 1, 0),
              0,
              Instant.now(),
              Instant.now(),
              Map.of(),
              new RunProvenance(
                  "pubsub",
                  "//cloudbuild/bench/train",
                  null,
                  List.of(),
                  List.of(),
                  List.of(),
                  List.of(),
                  List.of(),
                  "z"));
      EncodedEvent encoded =
          codec.encode(
              new EventEnvelope<>(id + ".1", "//mlcp/training-runner", Instant.now(), null, e));
      published.put(id, System.nanoTime());
      futures.add(
          publisher.publish(
              PubsubMessage.newBuilder()
                  .setData(ByteString.copyFrom(encoded.data()))
                  .putAllAttributes(encoded.attributes())
                  .build()));
    }
    for (ApiFuture<String> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    long wait = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (ids.stream().anyMatch(id -> !registeredAt.containsKey(id)) && System.nanoTime() < wait) {
      Thread.sleep(100);
    }
    long[] latencies =
        ids.stream()
            .filter(registeredAt::containsKey)
            .mapToLong(id -> registeredAt.get(id) - published.get(id))
            .sorted()
            .toArray();
    if (latencies.length < runs) {
      System.out.printf(
          Locale.ROOT, "%s: %d of %d never registered%n", phase, runs - latencies.length, runs);
    }
    return latencies;
  }

  private static void print(String label, long[] sorted) {
    if (sorted.length == 0) {
      System.out.println(label + ": nothing registered");
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "BENCH %-30s n=%d  p50 %6.0f ms  p90 %6.0f ms  p99 %6.0f ms  max %6.0f ms%n",
        label,
        sorted.length,
        pct(sorted, 50),
        pct(sorted, 90),
        pct(sorted, 99),
        sorted[sorted.length - 1] / 1e6);
  }

  private static double pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(i, sorted.length - 1))] / 1e6;
  }
}
