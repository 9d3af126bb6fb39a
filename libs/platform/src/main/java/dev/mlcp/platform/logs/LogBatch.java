package dev.mlcp.platform.logs;

import java.util.List;

/**
 * Entries read from a run's log, in order, and where to resume.
 *
 * @param entries the entries, oldest first
 * @param cursor opaque position after the last entry; pass it to the next read or follow
 * @param entryCursors the position after each entry, in the same order: a reader that stops in the
 *     middle of a batch resumes from the cursor of the last entry it handled, so it neither misses
 *     the rest of the batch nor sees an entry twice
 */
public record LogBatch(List<LogEntry> entries, String cursor, List<String> entryCursors) {
  /** Copies the lists; there is one cursor per entry. */
  public LogBatch {
    entries = List.copyOf(entries);
    entryCursors = List.copyOf(entryCursors);
    if (entryCursors.size() != entries.size()) {
      throw new IllegalArgumentException(
          entries.size() + " entries but " + entryCursors.size() + " entry cursors");
    }
  }

  /** No entries: the position stays at {@code cursor}. */
  public static LogBatch empty(String cursor) {
    return new LogBatch(List.of(), cursor, List.of());
  }

  /** The position after entry {@code index}: reading from it returns the entries after it. */
  public String cursorAfter(int index) {
    return entryCursors.get(index);
  }
}
