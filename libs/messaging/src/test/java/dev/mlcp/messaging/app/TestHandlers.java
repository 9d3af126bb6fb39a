package dev.mlcp.messaging.app;

import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.messaging.PubSubIncomingMetadata;
import dev.mlcp.messaging.RejectedEventException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/** The test application's handlers, one per incoming channel. */
@ApplicationScoped
public class TestHandlers {
  @Inject Received received;

  private final List<EventEnvelope<MlcpEvent>> events = new CopyOnWriteArrayList<>();
  private final List<EventEnvelope<TrainingCompleted>> completions = new CopyOnWriteArrayList<>();
  private final List<String> payloads = new CopyOnWriteArrayList<>();
  private final List<Message<byte[]>> held = new CopyOnWriteArrayList<>();

  /** Decoded events from run-events, in arrival order. */
  public List<EventEnvelope<MlcpEvent>> events() {
    return List.copyOf(events);
  }

  /** Payloads the push-payload handler saw. */
  public List<String> payloads() {
    return List.copyOf(payloads);
  }

  /** Messages the push-slow handler holds without acking. */
  public List<Message<byte[]>> held() {
    return List.copyOf(held);
  }

  @Incoming("pulled")
  CompletionStage<Void> pulled(Message<byte[]> message) {
    record(message, "pulled");
    return message.ack();
  }

  /** A typed handler taking the whole message: the decoded event plus its metadata. */
  @Incoming("run-events-in")
  CompletionStage<Void> runEvents(Message<RunEvent> message) {
    IncomingEvent event = message.getMetadata(IncomingEvent.class).orElseThrow();
    received.add(
        "run-events-in",
        event.id().getBytes(StandardCharsets.UTF_8),
        message.getMetadata(PubSubIncomingMetadata.class).orElseThrow());
    events.add(
        new EventEnvelope<>(
            event.id(), event.source(), event.time(), event.subject(), message.getPayload()));
    return message.ack();
  }

  /**
   * A typed payload handler: the connector decoded the event, skipped other types and dead-lettered
   * what is not an event. Fails while the reason says so, to show redelivery.
   */
  @Incoming("typed")
  Uni<Void> typed(TrainingCompleted completed, IncomingEvent event) {
    completions.add(
        new EventEnvelope<>(event.id(), event.source(), event.time(), event.subject(), completed));
    if ("reject".equals(completed.reason())) {
      throw new RejectedEventException("run " + completed.runId() + " is refused for good");
    }
    if ("fail-once".equals(completed.reason()) && event.deliveryAttempt() <= 1) {
      return Uni.createFrom().failure(new IllegalStateException("first attempt fails"));
    }
    return Uni.createFrom().voidItem();
  }

  /** Completions the typed handler saw, in arrival order (redeliveries included). */
  public List<EventEnvelope<TrainingCompleted>> completions() {
    return List.copyOf(completions);
  }

  @Incoming("training-completed")
  CompletionStage<Void> trainingCompleted(Message<byte[]> message) {
    record(message, "training-completed");
    return message.ack();
  }

  @Incoming("failing")
  CompletionStage<Void> failing(Message<byte[]> message) {
    record(message, "failing");
    return message.nack(new IllegalStateException("test handler always fails"));
  }

  /** Acks, unless the payload is "nack". */
  @Incoming("pushed")
  CompletionStage<Void> pushed(Message<byte[]> message) {
    record(message, "pushed");
    if ("nack".equals(new String(message.getPayload(), StandardCharsets.UTF_8))) {
      return message.nack(new IllegalStateException("handler refused the message"));
    }
    return message.ack();
  }

  /** A payload-style handler: the framework acks on return and nacks when it throws. */
  @Incoming("push-payload")
  void pushPayload(byte[] payload) {
    String text = new String(payload, StandardCharsets.UTF_8);
    payloads.add(text);
    if (text.startsWith("throw")) {
      throw new IllegalStateException("handler threw on " + text);
    }
  }

  @Incoming("push-failing")
  CompletionStage<Void> pushFailing(Message<byte[]> message) {
    record(message, "push-failing");
    return message.nack(new IllegalStateException("push handler always fails"));
  }

  @Incoming("push-slow")
  CompletionStage<Void> pushSlow(Message<byte[]> message) {
    record(message, "push-slow");
    held.add(message);
    return CompletableFuture.completedFuture(null);
  }

  private void record(Message<byte[]> message, String channel) {
    received.add(
        channel,
        message.getPayload(),
        message.getMetadata(PubSubIncomingMetadata.class).orElseThrow());
  }
}
