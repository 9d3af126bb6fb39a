package dev.mlcp.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.RunEvent;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxRelayTest {
  static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path dir;
  DocumentStore<Note> notes;
  final List<PendingEvent> published = new CopyOnWriteArrayList<>();
  final AtomicBoolean pubsubDown = new AtomicBoolean();
  OutboxRelay<Note> relay;

  CountingStore objects;

  @BeforeEach
  void setUp() {
    objects = new CountingStore(new LocalDirectoryObjectStore(dir));
    notes = DocumentStoreTest.storeOn(objects);
    relay =
        new OutboxRelay<>(
            notes,
            event -> {
              if (pubsubDown.get()) {
                return CompletableFuture.failedFuture(new IllegalStateException("Pub/Sub down"));
              }
              published.add(event);
              return CompletableFuture.completedFuture(null);
            },
            Duration.ofSeconds(5));
  }

  /** A transition that records its event in the same write as its new state. */
  private void finish(String id) {
    notes.update(
        id,
        n ->
            n.withState("DONE")
                .withOutbox(
                    n.outbox()
                        .add(
                            id,
                            new RunEvent.Cancelled(id, n.owner(), 1, "test"),
                            T0.plusSeconds(9))));
  }

  @Test
  void state_and_event_are_written_together_and_published_once() {
    notes.create(Note.of("run-1", "ada@example.com", T0));
    finish("run-1");

    assertThat(notes.ids(DocumentStore.OUTBOX_INDEX, DocumentStore.PENDING))
        .containsExactly("run-1");
    assertThat(relay.drain("run-1")).isEqualTo(1);

    assertThat(published).extracting(PendingEvent::id).containsExactly("run-1.1");
    assertThat(notes.find("run-1").orElseThrow().outbox().isEmpty()).isTrue();
    assertThat(notes.ids(DocumentStore.OUTBOX_INDEX, DocumentStore.PENDING)).isEmpty();
    assertThat(relay.drainAll().published()).isZero();
  }

  @Test
  void a_failed_publish_keeps_the_event_and_a_later_pass_sends_it_exactly_once() {
    notes.create(Note.of("run-1", "ada@example.com", T0));
    notes.create(Note.of("run-2", "ada@example.com", T0.plusSeconds(1)));
    pubsubDown.set(true);
    finish("run-1");
    finish("run-2");

    assertThat(relay.drain("run-1")).isZero();
    OutboxRelay.Report down = relay.drainAll();
    assertThat(down.failed()).isEqualTo(2);
    assertThat(published).isEmpty();

    pubsubDown.set(false);
    OutboxRelay.Report recovered = relay.drainAll();
    OutboxRelay.Report again = relay.drainAll();

    assertThat(recovered.published()).isEqualTo(2);
    assertThat(again.published()).isZero();
    assertThat(published)
        .extracting(PendingEvent::id)
        .containsExactlyInAnyOrder("run-1.1", "run-2.1");
  }

  @Test
  void a_document_another_relay_drained_meanwhile_is_no_failure() {
    notes.create(Note.of("run-1", "ada@example.com", T0));
    finish("run-1");
    OutboxRelay<Note> other =
        new OutboxRelay<>(
            notes,
            event -> {
              published.add(event);
              return CompletableFuture.completedFuture(null);
            },
            Duration.ofSeconds(5));
    // drainAll counts run-1's pending events, then reads it again to drain it: a concurrent pass
    // (a second reaper or reconciler) sends them in between.
    objects.beforeNextReadOf(
        "run-1.json", () -> objects.beforeNextReadOf("run-1.json", () -> other.drain("run-1")));

    OutboxRelay.Report report = relay.drainAll();

    assertThat(report.failed()).isZero();
    assertThat(report.published()).isZero();
    assertThat(published).extracting(PendingEvent::id).containsExactly("run-1.1");
  }

  @Test
  void events_of_one_document_go_out_in_order_with_stable_ids() {
    notes.create(Note.of("run-1", "ada@example.com", T0));
    notes.update(
        "run-1",
        n ->
            n.withOutbox(
                n.outbox()
                    .add("run-1", new RunEvent.Cancelled("run-1", "a", 1, "first"), T0)
                    .add("run-1", new RunEvent.Cancelled("run-1", "a", 1, "second"), T0)));

    relay.drain("run-1");

    assertThat(published)
        .extracting(e -> ((RunEvent.Cancelled) e.event()).cancelledBy())
        .containsExactly("first", "second");
    assertThat(published).extracting(PendingEvent::id).containsExactly("run-1.1", "run-1.2");
  }

  @Test
  void pending_events_survive_a_json_round_trip() throws Exception {
    Outbox outbox =
        Outbox.empty().add("run-1", new RunEvent.Failed("run-1", "ada@example.com", 2, 3, "x"), T0);

    Outbox read =
        DocumentStoreTest.JSON.readValue(
            DocumentStoreTest.JSON.writeValueAsBytes(outbox), Outbox.class);

    assertThat(read).isEqualTo(outbox);
  }
}
