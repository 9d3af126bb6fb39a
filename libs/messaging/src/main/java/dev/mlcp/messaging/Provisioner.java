package dev.mlcp.messaging;

import dev.mlcp.events.Topics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Creates missing topics, their {@code <topic>-dead-letter} twins and pull subscriptions (with a
 * dead-letter policy of {@link Topics#MAX_DELIVERY_ATTEMPTS} attempts) when {@code
 * mlcp.pubsub.provision=true} (local mode and tests; in the cloud Terraform owns them). Work runs
 * in the background and is retried until Pub/Sub answers, so the application starts while the
 * emulator is down.
 */
@Singleton
public class Provisioner {
  private static final Logger LOG = Logger.getLogger(Provisioner.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(250);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);

  /**
   * A pull subscription to create (as {@link PubSubSetup} defines it).
   *
   * @param name subscription id
   * @param topic its topic
   * @param ordering whether it delivers in ordering-key order
   */
  public record SubscriptionSpec(String name, String topic, boolean ordering) {}

  private final PubSubClients clients;
  private final boolean enabled;
  private final AtomicInteger pending = new AtomicInteger();
  private final ScheduledExecutorService executor;
  private volatile boolean closed;

  @Inject
  public Provisioner(PubSubClients clients, PubSubConfig config) {
    this.clients = clients;
    this.enabled = config.provision();
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "mlcp-pubsub-provisioner");
              thread.setDaemon(true);
              return thread;
            });
    if (enabled) {
      List<String> all = new ArrayList<>(Topics.ALL);
      ensureTopics(all);
    }
  }

  /** Whether provisioning is on. */
  public boolean enabled() {
    return enabled;
  }

  /** Whether every requested topic and subscription exists (always true when disabled). */
  public boolean settled() {
    return pending.get() == 0;
  }

  /** Ensures {@code topics} and their dead-letter topics exist; completes when they do. */
  public CompletableFuture<Void> ensureTopics(List<String> topics) {
    Set<String> names = new LinkedHashSet<>();
    for (String topic : topics) {
      names.add(topic);
      if (!topic.endsWith(Topics.DEAD_LETTER_SUFFIX)) {
        names.add(Topics.deadLetterOf(topic));
      }
    }
    return submit("topics " + names, () -> names.forEach(this::createTopic));
  }

  /** Ensures the subscription, its topic and dead-letter topic exist; completes when they do. */
  public CompletableFuture<Void> ensureSubscription(SubscriptionSpec spec) {
    return submit(
        "subscription " + spec.name(),
        () -> {
          createTopic(spec.topic());
          createTopic(Topics.deadLetterOf(spec.topic()));
          createSubscription(spec);
        });
  }

  private CompletableFuture<Void> submit(String what, Runnable work) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!enabled) {
      done.complete(null);
      return done;
    }
    pending.incrementAndGet();
    done.whenComplete((ok, failure) -> pending.decrementAndGet());
    attempt(what, work, done, FIRST_RETRY, 1);
    return done;
  }

  private void attempt(
      String what, Runnable work, CompletableFuture<Void> done, Duration delay, int attempt) {
    if (closed) {
      done.cancel(false);
      return;
    }
    executor.execute(
        () -> {
          try {
            work.run();
            LOG.debugf("Provisioned %s", what);
            done.complete(null);
          } catch (RuntimeException e) {
            if (attempt == 1) {
              LOG.warnf("Cannot provision %s yet (%s); retrying in the background", what, e);
            } else {
              LOG.debugf("Provisioning %s, attempt %d failed: %s", what, attempt, e);
            }
            Duration doubled = delay.multipliedBy(2);
            Duration next = doubled.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : doubled;
            if (!closed) {
              executor.schedule(
                  () -> attempt(what, work, done, next, attempt + 1),
                  delay.toMillis(),
                  TimeUnit.MILLISECONDS);
            }
          }
        });
  }

  private void createTopic(String topic) {
    if (PubSubSetup.ensureTopic(clients.topicAdmin(), clients.projectId(), topic)) {
      LOG.infof("Created topic %s", topic);
    }
  }

  private void createSubscription(SubscriptionSpec spec) {
    if (PubSubSetup.ensureSubscription(
        clients.subscriptionAdmin(),
        PubSubSetup.subscription(
            clients.projectId(), spec.name(), spec.topic(), null, spec.ordering()))) {
      LOG.infof("Created subscription %s on %s", spec.name(), spec.topic());
    }
  }

  @PreDestroy
  void close() {
    closed = true;
    executor.shutdownNow();
  }
}
