package dev.mlcp.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.api.gax.rpc.NotFoundException;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.EventType;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.Topics;
import dev.mlcp.messaging.app.Received;
import dev.mlcp.messaging.app.TestHandlers;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.InjectPubSubEmulator;
import dev.mlcp.testing.PubSubEmulator;
import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
class PullModeTest {
  @InjectPubSubEmulator PubSubEmulator emulator;

  @Inject
  @Channel("out")
  Emitter<byte[]> out;

  @Inject
  @Channel("run-events-out")
  Emitter<byte[]> runEvents;

  @Inject
  @Channel("vanishing")
  Emitter<byte[]> vanishing;

  @Inject Received received;
  @Inject TestHandlers handlers;
  @Inject CloudEventCodec codec;

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
  void published_message_reaches_the_pull_handler_with_attributes() throws Exception {
    String payload = "hello-" + UUID.randomUUID();
    CompletableFuture<Void> published = new CompletableFuture<>();
    out.send(
        Message.of(
            payload.getBytes(StandardCharsets.UTF_8),
            Metadata.of(PubSubOutgoingMetadata.of(Map.of("colour", "blue"))),
            () -> {
              published.complete(null);
              return CompletableFuture.completedFuture(null);
            },
            failure -> {
              published.completeExceptionally(failure);
              return CompletableFuture.completedFuture(null);
            }));
    published.get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> !received.of("pulled", payload).isEmpty());
    PubSubIncomingMetadata metadata = received.of("pulled", payload).get(0).metadata();
    assertThat(metadata.attributes()).containsEntry("colour", "blue");
    assertThat(metadata.messageId()).isNotBlank();
    assertThat(metadata.publishTime()).isNotNull();
    assertThat(metadata.subscription()).isEqualTo("test-pull-sub");
    // Provisioned subscriptions have a dead-letter policy, so Pub/Sub counts attempts.
    assertThat(metadata.deliveryAttempt()).isEqualTo(1);
  }

  @Test
  void emitter_send_of_a_plain_payload_completes_once_pubsub_accepted_it() throws Exception {
    String payload = "plain-" + UUID.randomUUID();

    out.send(payload.getBytes(StandardCharsets.UTF_8))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> !received.of("pulled", payload).isEmpty());
  }

  @Test
  void event_published_with_event_publisher_is_decoded_by_the_consumer() throws Exception {
    String runId = "run-" + UUID.randomUUID();
    RunEvent.Failed event = new RunEvent.Failed(runId, "ada@example.com", 1, 2, "exit 2");
    EventPublisher publisher = new EventPublisher(runEvents, codec, "//mlcp/test");

    publisher.publish(event).toCompletableFuture().get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> !eventsFor(runId).isEmpty());
    EventEnvelope<?> decoded = eventsFor(runId).get(0);
    assertThat(decoded.type()).isEqualTo(EventType.RUN_FAILED);
    assertThat(decoded.source()).isEqualTo("//mlcp/test");
    assertThat(decoded.subject()).isEqualTo(runId);
    assertThat(decoded.data()).isEqualTo(event);
    PubSubIncomingMetadata metadata =
        received.of("run-events-in").stream()
            .filter(d -> runId.equals(d.metadata().attributes().get(CloudEventCodec.SUBJECT)))
            .findFirst()
            .orElseThrow()
            .metadata();
    assertThat(metadata.orderingKey()).isEqualTo(runId);
    assertThat(metadata.attributes()).containsEntry(CloudEventCodec.ID, decoded.id());
  }

  @Test
  void duplicate_delivery_of_the_same_ce_id_reaches_the_handler_each_time() throws Exception {
    String runId = "run-" + UUID.randomUUID();
    EventEnvelope<RunEvent.Cancelled> envelope =
        EventEnvelope.of("//mlcp/test", new RunEvent.Cancelled(runId, "ada@example.com", 1, "ada"));
    EventPublisher publisher = new EventPublisher(runEvents, codec, "//mlcp/test");

    publisher.publish(envelope).toCompletableFuture().get(30, TimeUnit.SECONDS);
    publisher.publish(envelope).toCompletableFuture().get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> eventsFor(runId).size() == 2);
    assertThat(eventsFor(runId)).extracting(EventEnvelope::id).containsOnly(envelope.id());
    List<String> messageIds =
        received.of("run-events-in").stream()
            .filter(d -> envelope.id().equals(d.metadata().attributes().get(CloudEventCodec.ID)))
            .map(d -> d.metadata().messageId())
            .toList();
    assertThat(messageIds).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void channel_named_after_a_known_subscription_reads_it_without_further_config() {
    String payload = "completed-" + UUID.randomUUID();

    clients.publish(Topics.TRAINING_COMPLETED, payload);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !received.of("training-completed", payload).isEmpty());
    assertThat(received.of("training-completed", payload).get(0).metadata().subscription())
        .isEqualTo("training-runner.training-completed");
  }

  @Test
  void nacked_message_is_redelivered_and_dead_lettered_after_five_attempts() {
    clients.createPullSubscription("test-failing-dlq-reader", "test-failing-dead-letter");
    String payload = "poison-" + UUID.randomUUID();

    clients.publish("test-failing", payload);

    List<PubsubMessage> dead =
        clients.receive("test-failing-dlq-reader", 1, Duration.ofSeconds(120));
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getData().toStringUtf8()).isEqualTo(payload);
    assertThat(received.of("failing", payload))
        .extracting(d -> d.metadata().deliveryAttempt())
        .contains(1, 2, 3, 4, 5)
        .allMatch(attempt -> attempt <= 5);
  }

  @Test
  void emitter_send_fails_visibly_when_the_topic_does_not_exist() {
    clients.deleteTopic("test-vanishing");

    CompletableFuture<Void> sent =
        vanishing.send("lost".getBytes(StandardCharsets.UTF_8)).toCompletableFuture();

    assertThatThrownBy(() -> sent.get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotFoundException.class);
  }

  private List<EventEnvelope<?>> eventsFor(String runId) {
    return handlers.events().stream()
        .filter(e -> runId.equals(e.subject()))
        .<EventEnvelope<?>>map(e -> e)
        .toList();
  }
}
