package dev.mlcp.messaging;

import com.google.api.core.ApiFuture;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.EventType;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.Topics;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Turns a channel's raw Pub/Sub messages into typed mlcp events, once, for every handler: the
 * CloudEvents binary-mode attributes and JSON data are decoded into the event's record, with an
 * {@link IncomingEvent} in the metadata.
 *
 * <ul>
 *   <li>A message of a type the channel does not accept ({@code event-types}) is acked and skipped:
 *       a topic carries several types and a consumer may want one.
 *   <li>A message that cannot be decoded (unknown {@code ce-type}, missing attribute, invalid data)
 *       will not decode on a redelivery either: it is published at once to the topic's dead-letter
 *       topic with the reason in the {@code mlcp-dead-letter-reason} attribute, then acked. If that
 *       publish fails, it is nacked, and Pub/Sub's own dead-lettering takes over.
 *   <li>Handler outcome: ack on success, nack on failure (redelivery, then dead letter). Duplicate
 *       {@code ce-id}s reach the handler; handlers are idempotent.
 * </ul>
 */
final class EventDecoding {
  private static final Logger LOG = Logger.getLogger(EventDecoding.class);

  /** Attribute naming why a message was dead-lettered by mlcp. */
  static final String DEAD_LETTER_REASON = "mlcp-dead-letter-reason";

  /** Attribute naming the channel (and subscription) that refused the message. */
  static final String DEAD_LETTER_CHANNEL = "mlcp-dead-letter-channel";

  private final String channel;
  private final String topic;
  private final CloudEventCodec codec;
  private final Set<EventType> accepted;
  private final Supplier<Publisher> deadLetters;

  /**
   * @param channel the channel name
   * @param topic the topic the channel reads
   * @param codec the CloudEvents codec
   * @param accepted the event types handed to the handler; empty for every type
   * @param deadLetters the publisher of {@code <topic>-dead-letter}, made on first use
   */
  EventDecoding(
      String channel,
      String topic,
      CloudEventCodec codec,
      Set<EventType> accepted,
      Supplier<Publisher> deadLetters) {
    this.channel = channel;
    this.topic = topic;
    this.codec = codec;
    this.accepted = Set.copyOf(accepted);
    this.deadLetters = deadLetters;
  }

  /** The dead-letter topic of the channel's topic. */
  String deadLetterTopic() {
    return Topics.deadLetterOf(topic);
  }

  /** Decodes each message; skipped and dead-lettered messages do not reach the handler. */
  Multi<Message<?>> apply(Multi<Message<byte[]>> raw) {
    return raw.onItem().transformToUniAndConcatenate(this::decode);
  }

  private Uni<Message<?>> decode(Message<byte[]> message) {
    PubSubIncomingMetadata pubsub = message.getMetadata(PubSubIncomingMetadata.class).orElseThrow();
    EventEnvelope<MlcpEvent> envelope;
    try {
      envelope = codec.decode(pubsub.attributes(), message.getPayload(), pubsub.publishTime());
    } catch (RuntimeException e) {
      return deadLetter(message, pubsub, e.getMessage());
    }
    if (!accepted.isEmpty() && !accepted.contains(envelope.type())) {
      LOG.debugf(
          "Channel %s skips %s %s (accepts %s)",
          channel, envelope.type().type(), envelope.id(), accepted);
      return Uni.createFrom().completionStage(message.ack()).replaceWith(() -> null);
    }
    IncomingEvent event =
        new IncomingEvent(
            envelope.id(),
            envelope.type(),
            envelope.source(),
            envelope.time(),
            envelope.subject(),
            pubsub.deliveryAttempt());
    Message<?> typed =
        message
            .withPayload(envelope.data())
            .addMetadata(event)
            .withNack(
                failure -> {
                  RejectedEventException rejected = rejection(failure);
                  if (rejected != null) {
                    return deadLetter(message, pubsub, rejected.getMessage())
                        .subscribeAsCompletionStage()
                        .thenApply(ignored -> null);
                  }
                  return message.nack(failure);
                });
    return Uni.createFrom().item(typed);
  }

  private Uni<Message<?>> deadLetter(
      Message<byte[]> message, PubSubIncomingMetadata pubsub, String reason) {
    String why = reason == null || reason.isBlank() ? "not an mlcp event" : reason;
    LOG.warnf(
        "Channel %s dead-letters message %s (%s) to %s: %s",
        channel,
        pubsub.messageId(),
        pubsub.attributes().get(CloudEventCodec.TYPE),
        deadLetterTopic(),
        why);
    Map<String, String> attributes = new LinkedHashMap<>(pubsub.attributes());
    attributes.put(DEAD_LETTER_REASON, truncate(why, 1024));
    attributes.put(
        DEAD_LETTER_CHANNEL,
        channel + (pubsub.subscription().isEmpty() ? "" : " (" + pubsub.subscription() + ")"));
    PubsubMessage copy =
        PubsubMessage.newBuilder()
            .setData(ByteString.copyFrom(message.getPayload()))
            .putAllAttributes(attributes)
            .build();
    CompletableFuture<String> published = new CompletableFuture<>();
    try {
      ApiFuture<String> future = deadLetters.get().publish(copy);
      future.addListener(
          () -> {
            try {
              published.complete(future.get());
            } catch (Exception e) {
              published.completeExceptionally(e);
            }
          },
          MoreExecutors.directExecutor());
    } catch (RuntimeException e) {
      published.completeExceptionally(e);
    }
    return Uni.createFrom()
        .completionStage(published)
        .onItem()
        .transformToUni(id -> Uni.createFrom().completionStage(message.ack()))
        .onFailure()
        .recoverWithUni(
            failure -> {
              LOG.warnf(
                  "Channel %s could not dead-letter message %s (%s); nacking it so Pub/Sub retries",
                  channel, pubsub.messageId(), failure.toString());
              return Uni.createFrom().completionStage(message.nack(failure));
            })
        .replaceWith(() -> null);
  }

  /** The handler's rejection, possibly wrapped by the framework. */
  private static RejectedEventException rejection(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof RejectedEventException rejected) {
        return rejected;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
