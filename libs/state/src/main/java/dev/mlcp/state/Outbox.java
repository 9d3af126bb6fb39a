package dev.mlcp.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.mlcp.events.MlcpEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The events a document's transitions caused and that are not yet published, in order. A transition
 * adds its events in the same compare-and-set write as the new state, so a state change and its
 * events are stored together or not at all; {@link OutboxRelay} publishes them and removes what was
 * published.
 *
 * @param sequence how many events the document has ever added; numbers the next event id
 * @param pending events to publish, oldest first
 */
public record Outbox(long sequence, List<PendingEvent> pending) {
  /** Most events one document keeps pending; beyond it a transition is refused. */
  public static final int MAX_PENDING = 100;

  public Outbox {
    pending = pending == null ? List.of() : List.copyOf(pending);
  }

  /** An empty outbox. */
  public static Outbox empty() {
    return new Outbox(0, List.of());
  }

  /** Whether nothing waits to be published. */
  @JsonIgnore
  public boolean isEmpty() {
    return pending.isEmpty();
  }

  /**
   * This outbox with {@code event} added; its id is {@code <documentId>.<n>}, unique per document
   * and stable across republishing.
   *
   * @throws IllegalStateException when {@link #MAX_PENDING} events are already pending (the
   *     publisher has been failing for long; the caller retries later)
   */
  public Outbox add(String documentId, MlcpEvent event, Instant at) {
    if (pending.size() >= MAX_PENDING) {
      throw new IllegalStateException(
          documentId + " has " + pending.size() + " unpublished events; is Pub/Sub reachable?");
    }
    List<PendingEvent> next = new ArrayList<>(pending);
    long n = sequence + 1;
    next.add(new PendingEvent(documentId + "." + n, at, event));
    return new Outbox(n, next);
  }

  /** This outbox without the events whose ids are in {@code published}. */
  public Outbox without(Collection<String> published) {
    Set<String> ids = Set.copyOf(published);
    return new Outbox(sequence, pending.stream().filter(e -> !ids.contains(e.id())).toList());
  }
}
