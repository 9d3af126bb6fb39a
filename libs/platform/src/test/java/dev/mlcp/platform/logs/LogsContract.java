package dev.mlcp.platform.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Logs} adapter must have, starting with no entries. */
public abstract class LogsContract {

  /** The adapter under test. */
  protected abstract Logs logs();

  private static LogEntry entry(int second, Severity severity, String message) {
    return new LogEntry(
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second),
        severity,
        message,
        Map.of("step", "train"));
  }

  @Test
  void entries_are_read_back_in_order_with_severity_and_labels() {
    logs()
        .write(
            "run-a", List.of(entry(1, Severity.INFO, "start"), entry(2, Severity.ERROR, "boom")));

    LogBatch batch = logs().read("run-a", null, 100);

    assertThat(batch.entries()).extracting(LogEntry::message).containsExactly("start", "boom");
    assertThat(batch.entries().get(1).severity()).isEqualTo(Severity.ERROR);
    assertThat(batch.entries().get(0).labels()).containsEntry("step", "train");
    assertThat(batch.entries().get(0).timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:01Z"));
  }

  @Test
  void runs_do_not_see_each_others_entries() {
    logs().write("run-a", List.of(entry(1, Severity.INFO, "a")));
    logs().write("run-b", List.of(entry(1, Severity.INFO, "b")));

    assertThat(logs().read("run-b", null, 100).entries())
        .extracting(LogEntry::message)
        .containsExactly("b");
  }

  @Test
  void reading_from_a_cursor_returns_only_newer_entries() {
    logs().write("run-c", List.of(entry(1, Severity.INFO, "one"), entry(2, Severity.INFO, "two")));
    LogBatch first = logs().read("run-c", null, 1);
    LogBatch rest = logs().read("run-c", first.cursor(), 100);
    logs().write("run-c", List.of(entry(3, Severity.INFO, "three")));
    LogBatch after = logs().read("run-c", rest.cursor(), 100);

    assertThat(first.entries()).extracting(LogEntry::message).containsExactly("one");
    assertThat(rest.entries()).extracting(LogEntry::message).containsExactly("two");
    assertThat(after.entries()).extracting(LogEntry::message).containsExactly("three");
    assertThat(logs().read("run-c", after.cursor(), 100).entries()).isEmpty();
  }

  @Test
  void each_entry_carries_the_cursor_to_resume_right_after_it() {
    logs()
        .write(
            "run-e",
            List.of(
                entry(1, Severity.INFO, "one"),
                entry(2, Severity.INFO, "two"),
                entry(3, Severity.INFO, "three")));

    LogBatch all = logs().read("run-e", null, 100);

    assertThat(all.entryCursors()).hasSize(3);
    assertThat(all.cursorAfter(2)).isEqualTo(all.cursor());
    assertThat(logs().read("run-e", all.cursorAfter(0), 100).entries())
        .extracting(LogEntry::message)
        .containsExactly("two", "three");
    assertThat(logs().read("run-e", all.cursorAfter(1), 100).entries())
        .extracting(LogEntry::message)
        .containsExactly("three");
    assertThat(logs().read("run-e", all.cursorAfter(2), 100).entries()).isEmpty();
  }

  @Test
  void the_same_entry_has_the_same_cursor_whichever_read_returned_it() {
    logs().write("run-s", List.of(entry(1, Severity.INFO, "a"), entry(2, Severity.INFO, "b")));
    LogBatch first = logs().read("run-s", null, 1);
    logs().write("run-s", List.of(entry(3, Severity.INFO, "c")));

    LogBatch again = logs().read("run-s", null, 100);

    assertThat(again.cursorAfter(0)).isEqualTo(first.cursor());
    assertThat(logs().read("run-s", first.cursor(), 100).cursor()).isEqualTo(again.cursor());
  }

  @Test
  void a_read_of_no_entries_only_checks_the_cursor() {
    logs().write("run-z", List.of(entry(1, Severity.INFO, "one")));
    String cursor = logs().read("run-z", null, 100).cursor();

    assertThat(logs().read("run-z", null, 0).entries()).isEmpty();
    assertThat(logs().read("run-z", cursor, 0).cursor()).isEqualTo(cursor);
    assertThatThrownBy(() -> logs().read("run-z", "not-a-cursor", 0))
        .isInstanceOf(PlatformException.class);
  }

  @Test
  void reading_an_unknown_run_is_empty() {
    assertThat(logs().read("run-none", null, 10).entries()).isEmpty();
  }

  @Test
  void follow_delivers_entries_written_after_it_started() throws Exception {
    logs().write("run-f", List.of(entry(1, Severity.INFO, "before")));
    List<String> seen = new CopyOnWriteArrayList<>();
    String cursor = logs().read("run-f", null, 100).cursor();

    try (Logs.Following following =
        logs()
            .follow(
                "run-f",
                cursor,
                Duration.ofMillis(50),
                b -> b.entries().forEach(e -> seen.add(e.message())))) {
      logs()
          .write(
              "run-f",
              List.of(entry(2, Severity.INFO, "during-1"), entry(3, Severity.INFO, "during-2")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (seen.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(following.cursor()).isNotNull();
    }
    assertThat(seen).containsExactly("during-1", "during-2");
  }
}
