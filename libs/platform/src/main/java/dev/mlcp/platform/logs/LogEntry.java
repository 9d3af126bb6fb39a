package dev.mlcp.platform.logs;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One structured log entry of a run.
 *
 * @param timestamp when it happened
 * @param severity its severity
 * @param message the text
 * @param labels extra labels (the adapter adds the run label itself)
 */
public record LogEntry(
    Instant timestamp, Severity severity, String message, Map<String, String> labels) {

  /** Validates and copies. */
  public LogEntry {
    Objects.requireNonNull(timestamp, "timestamp");
    severity = severity == null ? Severity.DEFAULT : severity;
    message = message == null ? "" : message;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
