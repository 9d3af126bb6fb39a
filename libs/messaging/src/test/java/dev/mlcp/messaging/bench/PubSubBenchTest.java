package dev.mlcp.messaging.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.pubsub.v1.Subscriber;
import com.google.pubsub.v1.PushConfig;
import dev.mlcp.testing.EmulatorClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Throughput of the connector against the emulator, next to a plain google-cloud-pubsub {@link
 * Subscriber} on the same emulator and backlog, and of the push endpoint driven directly by
 * concurrent HTTP clients (the emulator's push dispatcher is far slower than the endpoint, so its
 * figure measures the emulator). Run with {@code -Pbench}; prints figures, asserts only that every
 * message arrived.
 */
@Tag("bench")
@QuarkusTest
@TestProfile(PubSubBenchTest.Bench.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PubSubBenchTest {
  static final int DIRECT_REQUESTS = Integer.getInteger("bench.direct-requests", 50_000);
  static final int DIRECT_WARMUP = Integer.getInteger("bench.direct-warmup", 5_000);
  static final int DIRECT_CONCURRENCY = Integer.getInteger("bench.direct-concurrency", 32);

  private static String emulatorReport = "";
  private static String directReport = "";

  /** Bench channels; the backlog is filled before the application starts. */
  public static class Bench implements QuarkusTestProfile {
    @Override
    public String getConfigProfile() {
      return "bench";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.ofEntries(
          Map.entry("mp.messaging.incoming.bench-pull.connector", "mlcp-pubsub"),
          Map.entry("mp.messaging.incoming.bench-pull.topic", "bench"),
          Map.entry("mp.messaging.incoming.bench-pull.subscription", "bench-connector-sub"),
          Map.entry("mp.messaging.incoming.bench-pull.payload", "bytes"),
          Map.entry("mp.messaging.incoming.bench-push.connector", "mlcp-pubsub"),
          Map.entry("mp.messaging.incoming.bench-push.mode", "push"),
          Map.entry("mp.messaging.incoming.bench-push.topic", "bench-push"),
          Map.entry("mp.messaging.incoming.bench-direct.connector", "mlcp-pubsub"),
          Map.entry("mp.messaging.incoming.bench-direct.mode", "push"),
          Map.entry("mp.messaging.incoming.bench-direct.topic", "bench-direct"),
          Map.entry("quarkus.log.category.\"dev.mlcp\".level", "INFO"));
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(BenchBacklog.class));
    }
  }

  @Inject BenchHandlers handlers;

  @TestHTTPResource("/pubsub/push/bench-push")
  URL pushEndpoint;

  @TestHTTPResource("/pubsub/push/bench-direct")
  URL directEndpoint;

  @Test
  @Order(1)
  void push_endpoint_throughput_with_concurrent_http_clients() throws Exception {
    PushLoad load =
        new PushLoad(
            directEndpoint.toURI(),
            DIRECT_CONCURRENCY,
            "projects/" + BenchBacklog.emulator.projectId() + "/subscriptions/bench-direct-sub",
            BenchBacklog.SIZE);
    PushLoad.Result warmup = load.run(DIRECT_WARMUP);
    PushLoad.Result result = load.run(DIRECT_REQUESTS);
    directReport =
        String.format(
            Locale.ROOT,
            "push endpoint, direct HTTP clients : %10.0f msg/s  (%d requests in %.2f s,"
                + " %d in flight, warm-up %d)%n"
                + "  latency p50 / p99 / max          : %.2f / %.2f / %.2f ms%n"
                + "  acked (204) / errors             : %d / %d %s%n",
            result.perSecond(),
            result.requests(),
            result.seconds(),
            result.concurrency(),
            warmup.requests(),
            result.p50Millis(),
            result.p99Millis(),
            result.maxMillis(),
            result.acked(),
            result.errors(),
            result.failures().isEmpty() ? "" : result.failures().toString());
    System.out.println(directReport);
    assertThat(result.acked() + warmup.acked()).isEqualTo(handlers.direct().count());
    assertThat(result.errors()).isZero();
  }

  @Test
  @Order(2)
  void connector_pull_and_push_throughput_next_to_a_plain_subscriber() throws Exception {
    int messages = BenchBacklog.MESSAGES;
    await()
        .atMost(Duration.ofMinutes(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> handlers.pulled().count() >= messages);
    BenchCounter connector = handlers.pulled();

    BenchCounter plain = new BenchCounter();
    try (EmulatorClients clients = BenchBacklog.emulator.clients()) {
      Subscriber subscriber =
          clients
              .subscriberBuilder(
                  "bench-plain-sub",
                  (message, reply) -> {
                    plain.hit();
                    reply.ack();
                  })
              .build();
      subscriber.startAsync().awaitRunning();
      await()
          .atMost(Duration.ofMinutes(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> plain.count() >= messages);
      subscriber.stopAsync().awaitTerminated();

      clients
          .subscriptionAdmin()
          .modifyPushConfig(
              clients.subscriptionPath("bench-push-sub"),
              PushConfig.newBuilder().setPushEndpoint(pushEndpoint.toString()).build());
      await()
          .atMost(Duration.ofMinutes(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> handlers.pushed().count() >= BenchBacklog.PUSH_MESSAGES);
    }
    BenchCounter push = handlers.pushed();

    emulatorReport =
        String.format(
            Locale.ROOT,
            "%n=== mlcp-pubsub benchmark (emulator, %d x %d B backlog, 1 instance) ===%n"
                + "backlog publish (plain Publisher)  : %10.0f msg/s%n"
                + "connector, mode=pull               : %10.0f msg/s  (%d msgs in %.2f s)%n"
                + "plain Subscriber (streaming pull)  : %10.0f msg/s  (%d msgs in %.2f s)%n"
                + "ratio connector / plain            : %10.2f%n"
                + "connector, mode=push               : %10.0f msg/s  (%d msgs in %.2f s)%n",
            messages,
            BenchBacklog.SIZE,
            BenchBacklog.publishPerSecond,
            connector.perSecond(),
            connector.count(),
            connector.seconds(),
            plain.perSecond(),
            plain.count(),
            plain.seconds(),
            connector.perSecond() / plain.perSecond(),
            push.perSecond(),
            push.count(),
            push.seconds());
    System.out.println(emulatorReport);
    assertThat(connector.count()).isGreaterThanOrEqualTo(messages);
    assertThat(plain.count()).isGreaterThanOrEqualTo(messages);
  }

  @AfterAll
  static void printSideBySide() {
    System.out.printf(
        Locale.ROOT,
        "%n=== push mode into one instance ===%n%s%s"
            + "The emulator-driven figure is bounded by the emulator's push dispatcher; the direct"
            + " figure is what the endpoint itself takes.%n",
        directReport,
        emulatorReport
            .lines()
            .filter(line -> line.contains("mode=push"))
            .map(line -> line + System.lineSeparator())
            .findFirst()
            .orElse(""));
  }
}
