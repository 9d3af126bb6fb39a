package dev.mlcp.messaging;

import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.ReceivedMessage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * An incoming channel fed by unary long-poll {@code Pull} calls, with acks and lease extensions as
 * unary calls too.
 *
 * <p>Why not the client library's streaming-pull {@code Subscriber}: google-cloud-pubsub (1.147)
 * hard-wires a keepalive on every stream (a ping every 30 s, the stream closed when the server has
 * not answered within 15 s). The Pub/Sub emulator never answers those pings, so after about 50 s
 * without traffic the client closes and reopens streams every 20 s, and the emulator keeps handing
 * messages to the abandoned streams: each delivery expires unseen, counts as an attempt, and after
 * {@link dev.mlcp.events.Topics#MAX_DELIVERY_ATTEMPTS} the message is dead-lettered without any
 * handler having seen it. That is how a training completion got lost in CI. A unary pull holds no
 * stream, so nothing can be delivered to a caller that is not waiting for it, with the emulator and
 * with Pub/Sub alike.
 *
 * <p>Flow control: a message holds a permit of {@code maxOutstanding} from the pull that fetched it
 * until the handler acks or nacks it, so at most that many are held and the buffer between the
 * pullers and the stream is bounded. While held, its ack deadline is extended (up to {@code
 * maxLease}), so a slow handler is not raced by a redelivery. A nack sets the deadline to 0:
 * Pub/Sub redelivers at once and, after the subscription's maximum attempts, dead-letters.
 */
final class PullChannel {
  private static final Logger LOG = Logger.getLogger(PullChannel.class);
  private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);
  private static final int MAX_MESSAGES_PER_PULL = 100;
  private static final int MAX_IDS_PER_REQUEST = 1000;
  private static final Duration PULL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration ACK_FLUSH = Duration.ofMillis(10);

  /**
   * How one pull channel pulls.
   *
   * @param subscription subscription id
   * @param maxOutstanding messages held (handed to the handler, not yet acked) at once
   * @param parallelPulls concurrent pull calls
   * @param ackDeadline the deadline each lease extension sets
   * @param maxLease longest a held message's deadline is extended; then Pub/Sub may redeliver it
   */
  record Settings(
      String subscription,
      int maxOutstanding,
      int parallelPulls,
      Duration ackDeadline,
      Duration maxLease) {}

  private final String channel;
  private final Settings settings;
  private final String subscriptionPath;
  private final Supplier<SubscriptionAdminClient> client;
  private final Supplier<CompletableFuture<Void>> provision;
  private final Function<ReceivedMessage, Message<byte[]>> toMessage;
  private final Semaphore permits;
  private final Map<String, Instant> leases = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> acks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> nacks = new ConcurrentLinkedQueue<>();
  private final ExecutorService pullers;
  private final ScheduledExecutorService timers;
  private final AtomicInteger failingPullers = new AtomicInteger();
  private final List<Future<?>> running = new ArrayList<>();
  private volatile MultiEmitter<? super Message<byte[]>> emitter;
  private volatile boolean started;
  private volatile boolean stopped;

  /**
   * @param channel the channel name
   * @param settings how to pull
   * @param subscriptionPath {@code projects/P/subscriptions/S}
   * @param client the subscription admin client (made on first use)
   * @param provision makes sure the subscription exists; run before the first pull and after a pull
   *     found it missing
   * @param toMessage turns a received message into the channel's message, given its ack and nack
   */
  PullChannel(
      String channel,
      Settings settings,
      String subscriptionPath,
      Supplier<SubscriptionAdminClient> client,
      Supplier<CompletableFuture<Void>> provision,
      MessageFactory toMessage) {
    this.channel = channel;
    this.settings = settings;
    this.subscriptionPath = subscriptionPath;
    this.client = client;
    this.provision = provision;
    this.toMessage = received -> toMessage.create(received, ack(received), nack(received));
    this.permits = new Semaphore(settings.maxOutstanding());
    this.pullers =
        Executors.newFixedThreadPool(
            settings.parallelPulls(), daemon("mlcp-pubsub-pull-" + channel));
    this.timers =
        Executors.newSingleThreadScheduledExecutor(daemon("mlcp-pubsub-lease-" + channel));
  }

  /** Builds the channel's message from a pulled one; {@code ack}/{@code nack} settle it. */
  @FunctionalInterface
  interface MessageFactory {
    Message<byte[]> create(
        ReceivedMessage received,
        Supplier<CompletionStage<Void>> ack,
        Function<Throwable, CompletionStage<Void>> nack);
  }

  String channel() {
    return channel;
  }

  /** Whether the channel pulls: started, and its last pull calls succeeded. */
  boolean running() {
    return started && !stopped && failingPullers.get() == 0;
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

  private synchronized void start() {
    if (stopped) {
      return;
    }
    long period = Math.max(1, settings.ackDeadline().toMillis() / 3);
    timers.scheduleWithFixedDelay(this::extendLeases, period, period, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(
        this::flushSettlements, ACK_FLUSH.toMillis(), ACK_FLUSH.toMillis(), TimeUnit.MILLISECONDS);
    for (int i = 0; i < settings.parallelPulls(); i++) {
      running.add(pullers.submit(this::pullLoop));
    }
    started = true;
  }

  private void pullLoop() {
    Duration backoff = Duration.ofMillis(250);
    boolean failing = false;
    boolean provisioned = false;
    while (!stopped) {
      int want = 0;
      try {
        if (!provisioned) {
          provision.get().get();
          provisioned = true;
        }
        permits.acquire();
        want = 1 + drainPermits(MAX_MESSAGES_PER_PULL - 1);
        List<ReceivedMessage> received = pull(want);
        permits.release(want - received.size());
        want = 0;
        if (failing) {
          failing = false;
          failingPullers.decrementAndGet();
          LOG.infof("Channel %s pulls %s again", channel, settings.subscription());
        }
        backoff = Duration.ofMillis(250);
        for (ReceivedMessage message : received) {
          deliver(message);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | RuntimeException e) {
        permits.release(want);
        if (stopped) {
          return;
        }
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (!failing) {
          failing = true;
          failingPullers.incrementAndGet();
        }
        if (isNotFound(cause)) {
          provisioned = false;
        }
        LOG.warnf(
            "Pull of %s for channel %s failed (%s); retrying in %d ms",
            settings.subscription(), channel, cause, backoff.toMillis());
        if (!sleep(backoff)) {
          return;
        }
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : doubled;
      }
    }
  }

  private int drainPermits(int max) {
    int got = 0;
    while (got < max && permits.tryAcquire()) {
      got++;
    }
    return got;
  }

  private List<ReceivedMessage> pull(int maxMessages) throws InterruptedException {
    PullRequest request =
        PullRequest.newBuilder()
            .setSubscription(subscriptionPath)
            .setMaxMessages(maxMessages)
            .setReturnImmediately(false)
            .build();
    GrpcCallContext context = GrpcCallContext.createDefault().withTimeoutDuration(PULL_TIMEOUT);
    Future<PullResponse> call = client.get().pullCallable().futureCall(request, context);
    try {
      return call.get().getReceivedMessagesList();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApiException api
          && api.getStatusCode().getCode() == StatusCode.Code.DEADLINE_EXCEEDED) {
        return List.of(); // a long poll that found nothing
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (InterruptedException e) {
      call.cancel(true);
      throw e;
    }
  }

  private void deliver(ReceivedMessage received) {
    MultiEmitter<? super Message<byte[]>> downstream = emitter;
    leases.put(received.getAckId(), Instant.now());
    if (downstream == null || downstream.isCancelled()) {
      nack(received).apply(null);
      return;
    }
    downstream.emit(toMessage.apply(received));
  }

  private Supplier<CompletionStage<Void>> ack(ReceivedMessage received) {
    return () -> {
      settle(received.getAckId(), acks);
      return DONE;
    };
  }

  private Function<Throwable, CompletionStage<Void>> nack(ReceivedMessage received) {
    return failure -> {
      settle(received.getAckId(), nacks);
      return DONE;
    };
  }

  /** Frees the message's permit once and queues its ack or nack for the next flush. */
  private void settle(String ackId, ConcurrentLinkedQueue<String> queue) {
    if (leases.remove(ackId) != null) {
      queue.add(ackId);
      permits.release();
    }
  }

  private void flushSettlements() {
    try {
      send(acks, ids -> client.get().acknowledgeCallable().futureCall(ackRequest(ids)));
      send(nacks, ids -> client.get().modifyAckDeadlineCallable().futureCall(modAck(ids, 0)));
    } catch (RuntimeException e) {
      LOG.debugf("Settling messages of %s failed: %s", settings.subscription(), e);
    }
  }

  private void send(ConcurrentLinkedQueue<String> queue, Consumer<List<String>> call) {
    List<String> batch = new ArrayList<>();
    String id;
    while ((id = queue.poll()) != null) {
      batch.add(id);
      if (batch.size() == MAX_IDS_PER_REQUEST) {
        call.accept(batch);
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      // A lost ack only means a redelivery, which handlers tolerate (duplicates are normal).
      call.accept(batch);
    }
  }

  /** Keeps held messages leased until they are settled or held for longer than {@code maxLease}. */
  private void extendLeases() {
    try {
      Instant oldest = Instant.now().minus(settings.maxLease());
      List<String> extend = new ArrayList<>();
      leases.forEach(
          (ackId, since) -> {
            if (since.isAfter(oldest)) {
              extend.add(ackId);
            }
          });
      int seconds = (int) settings.ackDeadline().toSeconds();
      for (int i = 0; i < extend.size(); i += MAX_IDS_PER_REQUEST) {
        List<String> batch = extend.subList(i, Math.min(extend.size(), i + MAX_IDS_PER_REQUEST));
        client.get().modifyAckDeadlineCallable().futureCall(modAck(batch, seconds));
      }
    } catch (RuntimeException e) {
      LOG.debugf("Extending leases of %s failed: %s", settings.subscription(), e);
    }
  }

  private AcknowledgeRequest ackRequest(List<String> ids) {
    return AcknowledgeRequest.newBuilder()
        .setSubscription(subscriptionPath)
        .addAllAckIds(ids)
        .build();
  }

  private ModifyAckDeadlineRequest modAck(List<String> ids, int seconds) {
    return ModifyAckDeadlineRequest.newBuilder()
        .setSubscription(subscriptionPath)
        .addAllAckIds(ids)
        .setAckDeadlineSeconds(seconds)
        .build();
  }

  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    running.forEach(f -> f.cancel(true));
    pullers.shutdownNow();
    timers.shutdown();
    try {
      if (!timers.awaitTermination(2, TimeUnit.SECONDS)) {
        timers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flushSettlements();
  }

  private boolean sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean isNotFound(Throwable failure) {
    return failure instanceof ApiException api
        && api.getStatusCode().getCode() == StatusCode.Code.NOT_FOUND;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread thread = new Thread(r, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The publish time of a pulled message. */
  static Instant publishTime(PubsubMessage message) {
    Timestamp published = message.getPublishTime();
    return Instant.ofEpochSecond(published.getSeconds(), published.getNanos());
  }
}
