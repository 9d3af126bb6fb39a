package dev.mlcp.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.Topics;
import dev.mlcp.messaging.app.Received;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.InjectPubSubEmulator;
import dev.mlcp.testing.PubSubEmulator;
import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The emulator's push subscriptions deliver to the running application's push endpoint. */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
class PushModeTest {
  @InjectPubSubEmulator PubSubEmulator emulator;
  @Inject Received received;

  @TestHTTPResource("/pubsub/push/pushed")
  URL pushed;

  @TestHTTPResource("/pubsub/push/push-failing")
  URL pushFailing;

  EmulatorClients clients;

  @BeforeEach
  void ready() {
    Readiness.awaitReady();
    clients = emulator.clients();
  }

  @AfterEach
  void close() {
    clients.close();
  }

  @Test
  void emulator_push_subscription_delivers_to_the_push_handler() {
    String subscription = "test-push-sub-" + UUID.randomUUID();
    clients.createPushSubscription(subscription, "test-push", pushed.toString(), null, 0);
    String payload = "pushed-" + UUID.randomUUID();

    String messageId =
        clients.publish(
            "test-push", payload.getBytes(StandardCharsets.UTF_8), Map.of("ce-id", payload));

    await().atMost(Duration.ofSeconds(60)).until(() -> !received.of("pushed", payload).isEmpty());
    PubSubIncomingMetadata metadata = received.of("pushed", payload).get(0).metadata();
    assertThat(metadata.messageId()).isEqualTo(messageId);
    assertThat(metadata.attributes()).containsEntry("ce-id", payload);
    assertThat(metadata.publishTime()).isNotNull();
    assertThat(metadata.subscription()).endsWith(subscription);
    clients.deleteSubscription(subscription);
  }

  @Test
  void failing_push_handler_is_redelivered_and_dead_lettered_after_five_attempts() {
    String deadLetter = Topics.deadLetterOf("test-push-failing");
    clients.createPullSubscription("test-push-failing-dlq-reader", deadLetter);
    clients.createPushSubscription(
        "test-push-failing-sub",
        "test-push-failing",
        pushFailing.toString(),
        deadLetter,
        Topics.MAX_DELIVERY_ATTEMPTS);
    String payload = "push-poison-" + UUID.randomUUID();

    clients.publish("test-push-failing", payload);

    List<PubsubMessage> dead =
        clients.receive("test-push-failing-dlq-reader", 1, Duration.ofSeconds(180));
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getData().toStringUtf8()).isEqualTo(payload);
    assertThat(received.of("push-failing", payload)).hasSizeGreaterThanOrEqualTo(5);
  }
}
