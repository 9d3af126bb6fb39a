package dev.mlcp.messaging;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.providers.helpers.MultiUtils;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * An outgoing channel: each message goes to the topic's batching {@link Publisher}; the message is
 * acked when Pub/Sub accepted it and nacked with the failure otherwise, so {@code Emitter.send}
 * completes or fails accordingly. Several publishes are in flight at once so batching can work.
 */
final class OutgoingChannel {
  private static final Logger LOG = Logger.getLogger(OutgoingChannel.class);

  private final String channel;
  private final String topic;
  private final Publisher publisher;
  private final boolean ordering;

  OutgoingChannel(String channel, String topic, Publisher publisher, boolean ordering) {
    this.channel = channel;
    this.topic = topic;
    this.publisher = publisher;
    this.ordering = ordering;
  }

  Flow.Subscriber<Message<?>> subscriber(int maxInFlight) {
    return MultiUtils.via(
        multi ->
            multi
                .onItem()
                .transformToUni(message -> Uni.createFrom().completionStage(() -> send(message)))
                .merge(maxInFlight));
  }

  /** Publishes, then acks or nacks; the returned stage never fails so the stream goes on. */
  private CompletionStage<Void> send(Message<?> message) {
    PubsubMessage pubsubMessage;
    try {
      pubsubMessage = toPubsub(message);
    } catch (RuntimeException e) {
      return message.nack(e);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    ApiFuture<String> published = publisher.publish(pubsubMessage);
    ApiFutures.addCallback(
        published,
        new ApiFutureCallback<>() {
          @Override
          public void onSuccess(String messageId) {
            message.ack().whenComplete((ok, e) -> done.complete(null));
          }

          @Override
          public void onFailure(Throwable failure) {
            if (!pubsubMessage.getOrderingKey().isEmpty()) {
              // A failed publish pauses its ordering key until resumed.
              publisher.resumePublish(pubsubMessage.getOrderingKey());
            }
            LOG.debugf("Publish to %s (channel %s) failed: %s", topic, channel, failure);
            message.nack(failure).whenComplete((ok, e) -> done.complete(null));
          }
        },
        MoreExecutors.directExecutor());
    return done;
  }

  private PubsubMessage toPubsub(Message<?> message) {
    PubsubMessage.Builder builder = PubsubMessage.newBuilder();
    Object payload = message.getPayload();
    if (payload instanceof byte[] bytes) {
      builder.setData(ByteString.copyFrom(bytes));
    } else if (payload instanceof String text) {
      builder.setData(ByteString.copyFromUtf8(text));
    } else {
      throw new IllegalArgumentException(
          "channel "
              + channel
              + " ("
              + PubSubConnector.NAME
              + ") sends byte[] or String payloads, got "
              + (payload == null ? "null" : payload.getClass().getName()));
    }
    PubSubOutgoingMetadata metadata =
        message.getMetadata(PubSubOutgoingMetadata.class).orElse(null);
    if (metadata != null) {
      builder.putAllAttributes(metadata.attributes());
    }
    if (ordering) {
      String key = metadata == null ? null : metadata.orderingKey();
      if (key == null) {
        key = builder.getAttributesMap().get(CloudEventCodec.SUBJECT);
      }
      if (key != null) {
        builder.setOrderingKey(key);
      }
    }
    return builder.build();
  }
}
