package dev.mlcp.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * An incoming channel fed by {@code POST /pubsub/push/<channel>}. Each push becomes one message
 * whose ack or nack completes the HTTP request; at most {@code maxInFlight} pushes are in progress,
 * beyond that the endpoint answers 503 and Pub/Sub retries later, so the buffer stays bounded.
 * Handlers run on worker threads, as in pull mode.
 */
final class PushChannel {
  private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

  private final String channel;
  private final String subscription;
  private final Semaphore inFlight;
  private volatile MultiEmitter<? super Message<byte[]>> emitter;

  PushChannel(String channel, String subscription, int maxInFlight) {
    this.channel = channel;
    this.subscription = subscription;
    this.inFlight = new Semaphore(maxInFlight);
  }

  String channel() {
    return channel;
  }

  String subscription() {
    return subscription;
  }

  Multi<Message<byte[]>> stream() {
    return Multi.createFrom()
        .<Message<byte[]>>emitter(
            e -> {
              emitter = e;
              e.onTermination(() -> emitter = null);
            },
            BackPressureStrategy.BUFFER);
  }

  /**
   * Hands one pushed message to the channel's handler.
   *
   * @return completes when the handler acks; fails with the nack's reason, or at once with {@link
   *     PushUnavailableException} when the channel has no live subscriber or is full
   */
  CompletableFuture<Void> dispatch(byte[] data, PubSubIncomingMetadata metadata) {
    CompletableFuture<Void> outcome = new CompletableFuture<>();
    MultiEmitter<? super Message<byte[]>> downstream = emitter;
    if (downstream == null || downstream.isCancelled()) {
      outcome.completeExceptionally(
          new PushUnavailableException("channel " + channel + " has no running handler"));
      return outcome;
    }
    if (!inFlight.tryAcquire()) {
      outcome.completeExceptionally(
          new PushUnavailableException(
              "channel " + channel + " is at its limit of pushes in progress"));
      return outcome;
    }
    outcome.whenComplete((ok, failure) -> inFlight.release());
    Message<byte[]> message =
        Message.of(
            data,
            Metadata.of(metadata),
            () -> {
              outcome.complete(null);
              return DONE;
            },
            failure -> {
              outcome.completeExceptionally(
                  failure == null ? new IllegalStateException("nacked") : failure);
              return DONE;
            });
    Infrastructure.getDefaultWorkerPool().execute(() -> downstream.emit(message));
    return outcome;
  }

  /** The channel cannot take a push now; Pub/Sub should retry. */
  static final class PushUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PushUnavailableException(String message) {
      super(message);
    }
  }
}
