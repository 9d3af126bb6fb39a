package dev.mlcp.messaging;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Converts between mlcp events and connector messages: CloudEvents binary mode, {@code ce-*} in
 * Pub/Sub attributes, JSON data, ordering key = subject.
 */
public final class EventMessages {
  private EventMessages() {}

  /**
   * A message carrying {@code envelope}; {@code published} completes when Pub/Sub accepted it and
   * fails with the reason when it did not.
   */
  public static Message<byte[]> toMessage(
      CloudEventCodec codec, EventEnvelope<?> envelope, CompletableFuture<Void> published) {
    EncodedEvent encoded = codec.encode(envelope);
    return Message.of(
        encoded.data(),
        Metadata.of(new PubSubOutgoingMetadata(encoded.attributes(), encoded.orderingKey())),
        () -> {
          published.complete(null);
          return CompletableFuture.completedFuture(null);
        },
        failure -> {
          published.completeExceptionally(failure);
          return CompletableFuture.completedFuture(null);
        });
  }

  /**
   * The event in a received message, with the Pub/Sub publish time standing in for a missing {@code
   * ce-time}.
   *
   * @throws dev.mlcp.events.UnknownEventTypeException for a {@code ce-type} mlcp does not know
   * @throws dev.mlcp.events.InvalidEventException naming what is missing or invalid
   * @throws IllegalArgumentException when the message did not come from {@code mlcp-pubsub}
   */
  public static EventEnvelope<MlcpEvent> decode(CloudEventCodec codec, Message<byte[]> message) {
    PubSubIncomingMetadata metadata =
        message
            .getMetadata(PubSubIncomingMetadata.class)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "message has no PubSubIncomingMetadata; was it received by "
                            + PubSubConnector.NAME
                            + "?"));
    return codec.decode(metadata.attributes(), message.getPayload(), metadata.publishTime());
  }
}
