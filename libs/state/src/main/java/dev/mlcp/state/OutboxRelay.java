package dev.mlcp.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Publishes the events in documents' outboxes and removes what was published. A service drains a
 * document right after the transition that added events; its reconciler calls {@link #drainAll()}
 * so events whose publish failed, or whose process died in between, go out later. Delivery is at
 * least once: a crash between publish and removal republishes the same {@code ce-id}, which
 * consumers drop.
 *
 * @param <D> the document type
 */
public final class OutboxRelay<D extends Document<D>> {
  private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
  private static final Duration STALE_AFTER = Duration.ofMinutes(1);

  /** Publishes one event; completes when Pub/Sub accepted it. */
  @FunctionalInterface
  public interface Sink {
    CompletionStage<Void> publish(PendingEvent event);
  }

  /**
   * What one {@link #drainAll()} pass did.
   *
   * @param documents documents that had pending events
   * @param published events published
   * @param failed documents whose publishing failed (still pending)
   */
  public record Report(int documents, int published, int failed) {}

  private final DocumentStore<D> store;
  private final Sink sink;
  private final Duration timeout;

  /**
   * @param store the documents
   * @param sink where events go
   * @param timeout longest wait for one publish
   */
  public OutboxRelay(DocumentStore<D> store, Sink sink, Duration timeout) {
    this.store = store;
    this.sink = sink;
    this.timeout = timeout;
  }

  /**
   * Publishes the document's pending events in order, stopping at the first failure (so order is
   * kept), and removes the published ones.
   *
   * @return how many were published
   */
  public int drain(String id) {
    return drained(id).published();
  }

  /**
   * What one drain did.
   *
   * @param published events published
   * @param failed whether a publish failed (what follows it is still pending)
   */
  private record Drained(int published, boolean failed) {}

  private Drained drained(String id) {
    D document = store.find(id).orElse(null);
    if (document == null || document.outbox().isEmpty()) {
      return new Drained(0, false);
    }
    List<String> published = new ArrayList<>();
    boolean failed = false;
    for (PendingEvent event : document.outbox().pending()) {
      if (!publish(id, event)) {
        failed = true;
        break;
      }
      published.add(event.id());
    }
    if (!published.isEmpty()) {
      store.update(
          id,
          d -> {
            Outbox left = d.outbox().without(published);
            return left.pending().size() == d.outbox().pending().size() ? d : d.withOutbox(left);
          });
    }
    return new Drained(published.size(), failed);
  }

  /** Drains every document listed in the outbox index. */
  public Report drainAll() {
    int documents = 0;
    int published = 0;
    int failed = 0;
    for (DocumentStore.Entry entry :
        store.entries(DocumentStore.OUTBOX_INDEX, DocumentStore.PENDING).toList()) {
      String id = entry.id();
      try {
        int pendingBefore = store.find(id).map(d -> d.outbox().pending().size()).orElse(0);
        if (pendingBefore == 0) {
          // A stale entry (its removal lost a race, or the process died after the write).
          store.prune(DocumentStore.OUTBOX_INDEX, DocumentStore.PENDING, entry, STALE_AFTER);
          continue;
        }
        documents++;
        // Only a failed publish is a failure: fewer events than counted above may just mean
        // another drain (a concurrent reconcile or reaper pass) sent them in between.
        Drained drained = drained(id);
        published += drained.published();
        if (drained.failed()) {
          failed++;
        }
      } catch (RuntimeException e) {
        failed++;
        LOG.warnf("outbox of %s not drained: %s", id, e.toString());
      }
    }
    return new Report(documents, published, failed);
  }

  private boolean publish(String id, PendingEvent event) {
    try {
      sink.publish(event).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      LOG.errorf(
          "%s: publishing %s (%s) failed, kept in its outbox for the next attempt: %s",
          id, event.type().type(), event.id(), cause.toString());
      return false;
    }
  }
}
