package dev.mlcp.messaging;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Publishes mlcp events on one outgoing {@code mlcp-pubsub} channel:
 *
 * <pre>{@code
 * @Inject @Channel("run-events") Emitter<byte[]> emitter;
 * @Inject CloudEventCodec codec;
 * EventPublisher events = new EventPublisher(emitter, codec, "//mlcp/training-runner");
 * events.publish(new RunEvent.Running(...)).toCompletableFuture().join();
 * }</pre>
 *
 * The returned stage completes only when Pub/Sub accepted the event and fails with the reason
 * otherwise (topic missing, Pub/Sub unreachable past the channel's publish timeout).
 */
public final class EventPublisher {
  private final Emitter<byte[]> emitter;
  private final CloudEventCodec codec;
  private final String source;

  /**
   * @param emitter the channel's emitter
   * @param codec the CloudEvents codec
   * @param source {@code ce-source} of events made by {@link #publish(MlcpEvent)}
   */
  public EventPublisher(Emitter<byte[]> emitter, CloudEventCodec codec, String source) {
    this.emitter = emitter;
    this.codec = codec;
    this.source = source;
  }

  /** Publishes {@code event} as a new CloudEvent from this publisher's source. */
  public CompletionStage<Void> publish(MlcpEvent event) {
    return publish(EventEnvelope.of(source, event));
  }

  /** Publishes {@code envelope} as it is (its id, time and subject). */
  public CompletionStage<Void> publish(EventEnvelope<?> envelope) {
    CompletableFuture<Void> published = new CompletableFuture<>();
    try {
      emitter.send(EventMessages.toMessage(codec, envelope, published));
    } catch (RuntimeException e) {
      // Emitter refuses when its channel is cancelled or its buffer is full.
      published.completeExceptionally(e);
    }
    return published;
  }
}
