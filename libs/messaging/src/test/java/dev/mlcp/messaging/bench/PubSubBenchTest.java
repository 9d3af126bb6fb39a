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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Throughput of the connector against the emulator, next to a plain google-cloud-pubsub {@link
 * Subscriber} on the same emulator and backlog. Run with {@code -Pbench}; prints figures, asserts
 * only that every message arrived.
 */
@Tag("bench")
@QuarkusTest
@TestProfile(PubSubBenchTest.Bench.class)
class PubSubBenchTest {

  /** Bench channels; the backlog is filled before the application starts. */
  public static class Bench implements QuarkusTestProfile {
    @Override
    public String getConfigProfile() {
      return "bench";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "mp.messaging.incoming.bench-pull.connector", "mlcp-pubsub",
          "mp.messaging.incoming.bench-pull.topic", "bench",
          "mp.messaging.incoming.bench-pull.subscription", "bench-connector-sub",
          "mp.messaging.incoming.bench-pull.executor-threads", "5",
          "mp.messaging.incoming.bench-push.connector", "mlcp-pubsub",
          "mp.messaging.incoming.bench-push.mode", "push",
          "mp.messaging.incoming.bench-push.topic", "bench-push",
          "quarkus.log.category.\"dev.mlcp\".level", "INFO");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(BenchBacklog.class));
    }
  }

  @Inject BenchHandlers handlers;

  @TestHTTPResource("/pubsub/push/bench-push")
  URL pushEndpoint;

  @Test
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

    String report =
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
    System.out.println(report);
    assertThat(connector.count()).isGreaterThanOrEqualTo(messages);
    assertThat(plain.count()).isGreaterThanOrEqualTo(messages);
  }
}
