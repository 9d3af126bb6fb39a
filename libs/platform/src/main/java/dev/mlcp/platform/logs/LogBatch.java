package dev.mlcp.platform.logs;

import java.util.List;

/**
 * Entries read from a run's log, in order, and where to resume.
 *
 * @param entries the entries, oldest first
 * @param cursor opaque position after the last entry; pass it to the next read or follow
 */
public record LogBatch(List<LogEntry> entries, String cursor) {
  /** Copies the list. */
  public LogBatch {
    entries = List.copyOf(entries);
  }
}
