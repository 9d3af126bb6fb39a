package dev.mlcp.messaging;

import com.google.api.core.ApiService;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.PubsubMessage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * An incoming channel fed by a streaming-pull {@link Subscriber}. The subscriber's flow control
 * bounds the messages held unacked, and a message stays unacked until the handler acks or nacks it,
 * so the buffer between the subscriber callback and the stream is bounded and nothing is dropped.
 * The subscriber starts once its subscription is provisioned and restarts (re-provisioning first)
 * whenever it fails, e.g. because the emulator came back empty.
 */
final class PullChannel {
  private static final Logger LOG = Logger.getLogger(PullChannel.class);
  private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(10);
  private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

  /** Set by the Pub/Sub client when the subscription has a dead-letter policy. */
  private static final String DELIVERY_ATTEMPT_ATTRIBUTE = "googclient_deliveryattempt";

  private final String channel;
  private final String subscription;
  private final PubSubClients clients;
  private final Supplier<CompletableFuture<Void>> provision;
  private final UnaryOperator<Subscriber.Builder> settings;
  private final ScheduledExecutorService restarts;
  private volatile MultiEmitter<? super Message<byte[]>> emitter;
  private volatile Subscriber subscriber;
  private volatile boolean stopped;
  private Duration restartDelay = Duration.ofMillis(500);

  PullChannel(
      String channel,
      String subscription,
      PubSubClients clients,
      Supplier<CompletableFuture<Void>> provision,
      UnaryOperator<Subscriber.Builder> settings) {
    this.channel = channel;
    this.subscription = subscription;
    this.clients = clients;
    this.provision = provision;
    this.settings = settings;
    this.restarts =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "mlcp-pubsub-pull-" + channel);
              thread.setDaemon(true);
              return thread;
            });
  }

  String channel() {
    return channel;
  }

  boolean running() {
    Subscriber current = subscriber;
    return current != null && current.state() == ApiService.State.RUNNING;
  }

  Multi<Message<byte[]>> stream() {
    return Multi.createFrom()
        .<Message<byte[]>>emitter(
            e -> {
              emitter = e;
              e.onTermination(this::stop);
              start();
            },
            BackPressureStrategy.BUFFER);
  }

  private void start() {
    if (stopped) {
      return;
    }
    provision
        .get()
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                scheduleRestart(failure);
              } else {
                startSubscriber();
              }
            });
  }

  private synchronized void startSubscriber() {
    if (stopped) {
      return;
    }
    Subscriber next = clients.subscriber(subscription, this::receive, settings);
    next.addListener(
        new ApiService.Listener() {
          @Override
          public void running() {
            restartDelay = Duration.ofMillis(500);
            LOG.debugf("Channel %s pulls %s", channel, subscription);
          }

          @Override
          public void failed(ApiService.State from, Throwable failure) {
            scheduleRestart(failure);
          }
        },
        MoreExecutors.directExecutor());
    subscriber = next;
    next.startAsync();
  }

  private synchronized void scheduleRestart(Throwable failure) {
    if (stopped) {
      return;
    }
    LOG.warnf(
        "Streaming pull of %s for channel %s stopped (%s); restarting in %d ms",
        subscription, channel, failure, restartDelay.toMillis());
    Duration delay = restartDelay;
    Duration doubled = restartDelay.multipliedBy(2);
    restartDelay = doubled.compareTo(MAX_RESTART_DELAY) > 0 ? MAX_RESTART_DELAY : doubled;
    restarts.schedule(this::start, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void receive(PubsubMessage message, AckReplyConsumer reply) {
    MultiEmitter<? super Message<byte[]>> downstream = emitter;
    if (downstream == null || downstream.isCancelled()) {
      reply.nack();
      return;
    }
    Map<String, String> attributes = new HashMap<>(message.getAttributesMap());
    attributes.remove(DELIVERY_ATTEMPT_ATTRIBUTE);
    Integer attempt = Subscriber.getDeliveryAttempt(message);
    Timestamp published = message.getPublishTime();
    PubSubIncomingMetadata metadata =
        new PubSubIncomingMetadata(
            message.getMessageId(),
            attributes,
            Instant.ofEpochSecond(published.getSeconds(), published.getNanos()),
            attempt == null ? 0 : attempt,
            message.getOrderingKey(),
            subscription);
    downstream.emit(
        Message.of(
            message.getData().toByteArray(),
            Metadata.of(metadata),
            () -> {
              reply.ack();
              return DONE;
            },
            failure -> {
              reply.nack();
              return DONE;
            }));
  }

  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    restarts.shutdownNow();
    Subscriber current = subscriber;
    if (current != null) {
      try {
        current.stopAsync().awaitTerminated(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debugf("Subscriber of %s did not stop cleanly: %s", subscription, e);
      }
    }
  }
}
