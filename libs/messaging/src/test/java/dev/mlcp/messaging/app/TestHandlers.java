package dev.mlcp.messaging.app;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.messaging.EventMessages;
import dev.mlcp.messaging.PubSubIncomingMetadata;
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
  @Inject CloudEventCodec codec;

  private final List<EventEnvelope<MlcpEvent>> events = new CopyOnWriteArrayList<>();
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

  @Incoming("run-events-in")
  CompletionStage<Void> runEvents(Message<byte[]> message) {
    record(message, "run-events-in");
    events.add(EventMessages.decode(codec, message));
    return message.ack();
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
