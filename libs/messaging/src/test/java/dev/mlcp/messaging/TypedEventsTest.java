package dev.mlcp.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.EventType;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.TrainingCompleted;
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
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Typed handlers: the connector decodes CloudEvents into records, hands only the accepted types to
 * {@code on(TrainingCompleted, IncomingEvent)}, and dead-letters what is not an mlcp event with the
 * reason, without any handler seeing it.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
class TypedEventsTest {
  static final String DLQ_READER = "test-typed-dlq-reader";

  @InjectPubSubEmulator PubSubEmulator emulator;

  @Inject
  @Channel("typed-out")
  Emitter<byte[]> out;

  @Inject TestHandlers handlers;
  @Inject CloudEventCodec codec;

  EmulatorClients clients;
  EventPublisher publisher;

  @BeforeEach
  void ready() {
    Readiness.awaitReady();
    clients = emulator.clients();
    try {
      clients.createPullSubscription(DLQ_READER, "test-typed-dead-letter");
    } catch (AlreadyExistsException e) {
      // made by an earlier test
    }
    publisher = new EventPublisher(out, codec, "//mlcp/test");
  }

  @AfterEach
  void close() {
    clients.close();
  }

  @Test
  void handler_gets_the_decoded_record_and_its_cloudevent_id() throws Exception {
    String runId = "run-" + UUID.randomUUID();
    EventEnvelope<TrainingCompleted> sent =
        EventEnvelope.of("//mlcp/vm-agent/x", completed(runId, null));

    publisher.publish(sent).toCompletableFuture().get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> !completionsOf(runId).isEmpty());
    EventEnvelope<TrainingCompleted> got = completionsOf(runId).get(0);
    assertThat(got.data()).isEqualTo(sent.data());
    assertThat(got.id()).isEqualTo(sent.id());
    assertThat(got.source()).isEqualTo("//mlcp/vm-agent/x");
    assertThat(got.subject()).isEqualTo(runId);
  }

  @Test
  void other_event_types_on_the_topic_are_skipped_not_dead_lettered() throws Exception {
    String runId = "run-" + UUID.randomUUID();
    publisher
        .publish(new RunEvent.Cancelled(runId, "ada@example.com", 1, "ada"))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    publisher.publish(completed(runId, null)).toCompletableFuture().get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> !completionsOf(runId).isEmpty());
    assertThat(completionsOf(runId)).hasSize(1);
    assertThat(deadLetters(Duration.ofSeconds(2)))
        .noneMatch(m -> runId.equals(m.getAttributesMap().get(CloudEventCodec.SUBJECT)));
  }

  @Test
  void message_that_is_not_a_cloudevent_is_dead_lettered_at_once_with_the_reason() {
    String payload = "not-an-event-" + UUID.randomUUID();

    clients.publish("test-typed", payload.getBytes(StandardCharsets.UTF_8), Map.of("k", "v"));

    PubsubMessage dead = deadLetterWithPayload(payload);
    assertThat(dead.getAttributesMap())
        .containsEntry("k", "v")
        .containsKey(EventDecoding.DEAD_LETTER_CHANNEL);
    assertThat(dead.getAttributesMap().get(EventDecoding.DEAD_LETTER_REASON))
        .contains("ce-specversion");
  }

  @Test
  void unknown_event_type_is_dead_lettered_naming_the_type() {
    String payload = "{\"x\":\"" + UUID.randomUUID() + "\"}";
    Map<String, String> attributes = new HashMap<>();
    attributes.put(CloudEventCodec.SPECVERSION, "1.0");
    attributes.put(CloudEventCodec.TYPE, "dev.mlcp.nonsense.v9");
    attributes.put(CloudEventCodec.SOURCE, "//test");
    attributes.put(CloudEventCodec.ID, UUID.randomUUID().toString());
    attributes.put(CloudEventCodec.TIME, Instant.now().toString());

    clients.publish("test-typed", payload.getBytes(StandardCharsets.UTF_8), attributes);

    PubsubMessage dead = deadLetterWithPayload(payload);
    assertThat(dead.getAttributesMap().get(EventDecoding.DEAD_LETTER_REASON))
        .contains("dev.mlcp.nonsense.v9");
  }

  @Test
  void invalid_event_data_is_dead_lettered_naming_the_field() {
    String payload = "{\"attempt\":1}";
    Map<String, String> attributes = new HashMap<>();
    attributes.put(CloudEventCodec.SPECVERSION, "1.0");
    attributes.put(CloudEventCodec.TYPE, EventType.TRAINING_COMPLETED.type());
    attributes.put(CloudEventCodec.SOURCE, "//test");
    attributes.put(CloudEventCodec.ID, UUID.randomUUID().toString());
    attributes.put(CloudEventCodec.TIME, Instant.now().toString());
    attributes.put("marker", UUID.randomUUID().toString());

    clients.publish("test-typed", payload.getBytes(StandardCharsets.UTF_8), attributes);

    PubsubMessage dead =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    deadLetters(Duration.ofSeconds(1)).stream()
                        .filter(
                            m ->
                                attributes.get("marker").equals(m.getAttributesMap().get("marker")))
                        .findFirst()
                        .orElse(null),
                m -> m != null);
    assertThat(dead.getAttributesMap().get(EventDecoding.DEAD_LETTER_REASON)).contains("runId");
  }

  @Test
  void failing_handler_nacks_and_the_event_comes_again() throws Exception {
    String runId = "run-" + UUID.randomUUID();

    publisher
        .publish(completed(runId, "fail-once"))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(60)).until(() -> completionsOf(runId).size() >= 2);
    assertThat(completionsOf(runId))
        .extracting(EventEnvelope::id)
        .containsOnly(completionsOf(runId).get(0).id());
  }

  @Test
  void an_event_the_handler_rejects_for_good_is_dead_lettered_at_once_with_its_reason()
      throws Exception {
    String runId = "run-" + UUID.randomUUID();

    publisher.publish(completed(runId, "reject")).toCompletableFuture().get(30, TimeUnit.SECONDS);

    PubsubMessage dead =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    deadLetters(Duration.ofSeconds(1)).stream()
                        .filter(
                            m -> runId.equals(m.getAttributesMap().get(CloudEventCodec.SUBJECT)))
                        .findFirst()
                        .orElse(null),
                m -> m != null);
    assertThat(dead.getAttributesMap().get(EventDecoding.DEAD_LETTER_REASON))
        .isEqualTo("run " + runId + " is refused for good");
    assertThat(completionsOf(runId)).hasSize(1);
  }

  private List<EventEnvelope<TrainingCompleted>> completionsOf(String runId) {
    return handlers.completions().stream().filter(e -> runId.equals(e.data().runId())).toList();
  }

  private List<PubsubMessage> deadLetters(Duration wait) {
    return clients.receive(DLQ_READER, 100, wait);
  }

  private PubsubMessage deadLetterWithPayload(String payload) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                deadLetters(Duration.ofSeconds(1)).stream()
                    .filter(m -> m.getData().toStringUtf8().equals(payload))
                    .findFirst()
                    .orElse(null),
            m -> m != null);
  }

  private static TrainingCompleted completed(String runId, String reason) {
    return new TrainingCompleted(
        runId,
        1,
        runId,
        "europe-west4-a",
        0,
        "gs://b/staging/" + runId + "/",
        ResourceUse.none(),
        Instant.now(),
        Instant.now(),
        reason);
  }
}
