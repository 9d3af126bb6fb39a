package dev.mlcp.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentStoreTest {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path dir;
  CountingStore objects;
  DocumentStore<Note> notes;

  @BeforeEach
  void store() {
    objects = new CountingStore(new LocalDirectoryObjectStore(dir));
    notes = storeOn(objects);
  }

  static DocumentStore<Note> storeOn(CountingStore objects) {
    return new DocumentStore<>(
        objects,
        ObjectUri.parse("gs://state/svc"),
        "notes",
        Note.class,
        JSON,
        List.of(
            Index.single("owner", Note::owner),
            Index.single("owner-state", n -> n.owner() + "/" + n.state())));
  }

  @Test
  void creating_the_same_id_twice_is_a_conflict() {
    notes.create(Note.of("n1", "ada@example.com", T0));

    assertThatThrownBy(() -> notes.create(Note.of("n1", "bob@example.com", T0)))
        .isInstanceOf(PlatformException.class)
        .extracting(e -> ((PlatformException) e).kind())
        .isEqualTo(PlatformException.Kind.CONFLICT);
    assertThat(notes.find("n1").orElseThrow().owner()).isEqualTo("ada@example.com");
  }

  @Test
  void a_create_that_failed_before_its_document_and_was_retried_later_is_listed_once() {
    objects.failWritesEndingWith = "notes/n1.json";
    assertThatThrownBy(() -> notes.create(Note.of("n1", "ada@example.com", T0)))
        .isInstanceOf(PlatformException.class);
    objects.failWritesEndingWith = null;
    notes.create(Note.of("n1", "ada@example.com", T0.plusSeconds(5)));

    assertThat(notes.list("owner", "ada@example.com", 10, null).items())
        .extracting(Note::id)
        .containsExactly("n1");
  }

  @Test
  void concurrent_updates_lose_nothing() throws Exception {
    notes.create(Note.of("n1", "ada@example.com", T0));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      done.add(pool.submit(() -> notes.update("n1", Note::incremented)));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    assertThat(notes.find("n1").orElseThrow().counter()).isEqualTo(40);
  }

  @Test
  void an_unchanged_document_is_not_written() {
    notes.create(Note.of("n1", "ada@example.com", T0));
    long writes = objects.writes.get();

    Change<Note> change = notes.update("n1", n -> n).orElseThrow();

    assertThat(change.changed()).isFalse();
    assertThat(objects.writes.get()).isEqualTo(writes);
  }

  @Test
  void listing_is_newest_first_in_full_pages_and_continues_with_its_token() {
    for (int i = 0; i < 7; i++) {
      notes.create(Note.of("a" + i, "ada@example.com", T0.plusSeconds(i)));
      notes.create(Note.of("b" + i, "bob@example.com", T0.plusSeconds(i)));
    }

    Page<Note> first = notes.list("owner", "ada@example.com", 3, null);
    Page<Note> second = notes.list("owner", "ada@example.com", 3, first.nextPageToken());
    Page<Note> third = notes.list("owner", "ada@example.com", 3, second.nextPageToken());

    assertThat(first.items()).extracting(Note::id).containsExactly("a6", "a5", "a4");
    assertThat(second.items()).extracting(Note::id).containsExactly("a3", "a2", "a1");
    assertThat(third.items()).extracting(Note::id).containsExactly("a0");
    assertThat(third.nextPageToken()).isNull();
  }

  @Test
  void a_transition_moves_the_document_between_index_keys() {
    notes.create(Note.of("n1", "ada@example.com", T0));
    notes.create(Note.of("n2", "ada@example.com", T0.plusSeconds(1)));

    notes.update("n1", n -> n.withState("DONE"));

    assertThat(notes.list("owner-state", "ada@example.com/OPEN", 10, null).items())
        .extracting(Note::id)
        .containsExactly("n2");
    assertThat(notes.list("owner-state", "ada@example.com/DONE", 10, null).items())
        .extracting(Note::id)
        .containsExactly("n1");
    assertThat(notes.ids("owner-state", "ada@example.com/OPEN")).containsExactly("n2");
  }

  @Test
  void stale_entries_are_skipped_and_the_page_is_still_full() {
    for (int i = 0; i < 6; i++) {
      notes.create(Note.of("n" + i, "ada@example.com", T0.plusSeconds(i)));
    }
    // A writer that died between writing its new entry and its document leaves a stale entry:
    // here, n5 and n4 are listed as DONE although they are OPEN.
    objectsWriteStaleEntry("n5", T0.plusSeconds(5));
    objectsWriteStaleEntry("n4", T0.plusSeconds(4));
    notes.update("n3", n -> n.withState("DONE"));
    notes.update("n2", n -> n.withState("DONE"));

    Page<Note> page = notes.list("owner-state", "ada@example.com/DONE", 2, null);

    assertThat(page.items()).extracting(Note::id).containsExactly("n3", "n2");
  }

  private void objectsWriteStaleEntry(String id, Instant createdAt) {
    long newestFirst = Long.MAX_VALUE - createdAt.toEpochMilli();
    objects.write(
        ObjectUri.parse(
            "gs://state/svc/notes.idx/owner-state/"
                + DocumentStore.encode("ada@example.com/DONE")
                + "/"
                + String.format("%019d", newestFirst)
                + "_"
                + id),
        id.getBytes(),
        "text/plain",
        dev.mlcp.platform.objects.WriteCondition.none());
  }

  @Test
  void reads_per_page_do_not_grow_with_the_number_of_documents() {
    for (int i = 0; i < 20; i++) {
      notes.create(Note.of("a" + i, "ada@example.com", T0.plusSeconds(i)));
    }
    for (int i = 0; i < 400; i++) {
      notes.create(Note.of("o" + i, "owner" + (i % 40) + "@example.com", T0.plusSeconds(i)));
    }
    objects.reset();

    notes.list("owner", "ada@example.com", 10, null);

    assertThat(objects.reads.get()).isEqualTo(10);
    assertThat(objects.lists.get()).isEqualTo(1);
  }

  @Test
  void page_tokens_are_opaque_signed_and_bound_to_their_listing() {
    for (int i = 0; i < 4; i++) {
      notes.create(Note.of("a" + i, "ada@example.com", T0.plusSeconds(i)));
      notes.create(Note.of("b" + i, "bob@example.com", T0.plusSeconds(i)));
    }
    String adaToken = notes.list("owner", "ada@example.com", 2, null).nextPageToken();

    assertThat(adaToken).doesNotContain("ada").doesNotContain("notes");
    assertThatThrownBy(() -> notes.list("owner", "bob@example.com", 2, adaToken))
        .isInstanceOf(InvalidPageTokenException.class);
    assertThatThrownBy(() -> notes.list("owner", "ada@example.com", 2, "garbage"))
        .isInstanceOf(InvalidPageTokenException.class);
    String tampered = adaToken.substring(0, adaToken.indexOf('.')) + ".AAAA";
    assertThatThrownBy(() -> notes.list("owner", "ada@example.com", 2, tampered))
        .isInstanceOf(InvalidPageTokenException.class);
    // Another replica (same bucket) accepts it.
    assertThat(storeOn(objects).list("owner", "ada@example.com", 2, adaToken).items()).hasSize(2);
  }

  @Test
  void prune_keeps_an_entry_whose_document_still_has_the_key() {
    notes.create(Note.of("n1", "ada@example.com", T0));
    DocumentStore.Entry entry = notes.entries("owner", "ada@example.com").findFirst().orElseThrow();

    assertThat(notes.prune("owner", "ada@example.com", entry, java.time.Duration.ZERO)).isFalse();
    assertThat(notes.ids("owner", "ada@example.com")).containsExactly("n1");
  }
}
