package dev.mlcp.platform.logs.gcp;

import com.google.api.MonitoredResource;
import com.google.cloud.logging.v2.LoggingClient;
import com.google.logging.type.LogSeverity;
import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.ListLogEntriesResponse;
import com.google.logging.v2.WriteLogEntriesRequest;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.Severity;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@link Logs} on Cloud Logging. A run's log is two logs read as one: what docker's {@code gcplogs}
 * driver writes on the training VM (log {@code gcplogs-docker-driver}, a {@code jsonPayload} with
 * the line in {@code message} and the run id in {@code container.metadata."mlcp-run"}), and what
 * {@link #write} writes (log {@code mlcp-runs}, {@code textPayload}, label {@code mlcp-run=<run>},
 * a time-ordered insertId, so a retried write is de-duplicated by the service and entries with
 * equal timestamps keep their order). Both are read in (timestamp, insertId) order; a cursor is the
 * last entry's timestamp and insertId, and reading after it uses a filter, so cursors do not expire
 * like page tokens do and stay valid whichever log the entry came from.
 */
public final class CloudLoggingLogs implements Logs {

  /** The log {@link #write} writes to. */
  public static final String LOG_ID = "mlcp-runs";

  /** The log docker's {@code gcplogs} driver writes the containers' output to on the VMs. */
  public static final String DRIVER_LOG_ID = "gcplogs-docker-driver";

  /** The label (and container metadata key) holding the run id. */
  public static final String RUN_LABEL = "mlcp-run";

  private static final int MAX_PAGE_SIZE = 1000;
  private static final int MAX_PAGES = 10;

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private final String project;
  private final LoggingClient client;
  private final Retrier retrier;
  private final IdGenerator ids;

  /**
   * Creates the adapter; it owns (and closes) the client.
   *
   * @param project project id
   * @param client Cloud Logging client
   * @param retrier retry policy
   * @param ids makes time-ordered insertIds
   */
  public CloudLoggingLogs(String project, LoggingClient client, Retrier retrier, IdGenerator ids) {
    this.project = project;
    this.client = client;
    this.retrier = retrier;
    this.ids = ids;
  }

  private String logName() {
    return "projects/" + project + "/logs/" + LOG_ID;
  }

  private String driverLogName() {
    return "projects/" + project + "/logs/" + DRIVER_LOG_ID;
  }

  @Override
  public void write(String runId, List<LogEntry> entries) {
    requireRunId(runId);
    if (entries.isEmpty()) {
      return;
    }
    WriteLogEntriesRequest.Builder request =
        WriteLogEntriesRequest.newBuilder()
            .setLogName(logName())
            .setResource(MonitoredResource.newBuilder().setType("global"))
            .putLabels(RUN_LABEL, runId);
    for (LogEntry entry : entries) {
      request.addEntries(
          com.google.logging.v2.LogEntry.newBuilder()
              .setLogName(logName())
              .setResource(MonitoredResource.newBuilder().setType("global"))
              .setInsertId(ids.newId())
              .setTimestamp(
                  Timestamp.newBuilder()
                      .setSeconds(entry.timestamp().getEpochSecond())
                      .setNanos(entry.timestamp().getNano()))
              .setSeverity(LogSeverity.valueOf(entry.severity().name()))
              .setTextPayload(entry.message())
              .putAllLabels(entry.labels())
              .putLabels(RUN_LABEL, runId));
    }
    WriteLogEntriesRequest built = request.build();
    // Entries carry insertIds: the service drops duplicates, so a retry is safe.
    retrier.call(
        "write log entries of " + runId, true, () -> client.writeLogEntriesCallable().call(built));
  }

  @Override
  public LogBatch read(String runId, String cursor, int max) {
    requireRunId(runId);
    String filter = filter(runId, cursor);
    if (max <= 0) {
      return LogBatch.empty(cursor);
    }
    ListLogEntriesRequest.Builder request =
        ListLogEntriesRequest.newBuilder()
            .addResourceNames("projects/" + project)
            .setFilter(filter)
            .setOrderBy("timestamp asc")
            .setPageSize(Math.min(MAX_PAGE_SIZE, max));
    List<LogEntry> entries = new ArrayList<>();
    List<String> cursors = new ArrayList<>();
    String next = cursor;
    String pageToken = "";
    int pages = 0;
    // A page may hold fewer entries than asked, even none, while more match: follow the page
    // token, a bounded number of times so that one read cannot take unbounded time.
    do {
      ListLogEntriesRequest built = request.setPageToken(pageToken).build();
      ListLogEntriesResponse response =
          retrier.call(
              "read log entries of " + runId,
              true,
              () -> client.listLogEntriesCallable().call(built));
      for (com.google.logging.v2.LogEntry e : response.getEntriesList()) {
        if (entries.size() == max) {
          break;
        }
        Instant at =
            Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
        entries.add(entry(runId, at, e));
        next = at + "|" + e.getInsertId();
        cursors.add(next);
      }
      pageToken = response.getNextPageToken();
    } while (entries.size() < max && !pageToken.isEmpty() && ++pages < MAX_PAGES);
    return new LogBatch(entries, next, cursors);
  }

  /**
   * The run's entries in both logs: what docker's {@code gcplogs} driver writes on the VM (the
   * container's stdout and stderr, the run id in the container metadata it copies from the labels
   * named in {@code --log-opt labels}) and what {@link #write} writes (label {@code mlcp-run}).
   * Cloud Logging binds OR tighter than AND, so every group is parenthesised.
   */
  private String filter(String runId, String cursor) {
    StringBuilder filter =
        new StringBuilder("((logName=\"")
            .append(driverLogName())
            .append("\" AND jsonPayload.container.metadata.\"")
            .append(RUN_LABEL)
            .append("\"=\"")
            .append(runId)
            .append("\") OR (logName=\"")
            .append(logName())
            .append("\" AND labels.\"")
            .append(RUN_LABEL)
            .append("\"=\"")
            .append(runId)
            .append("\"))");
    if (cursor != null && !cursor.isEmpty()) {
      int bar = cursor.indexOf('|');
      if (bar < 0) {
        throw PlatformException.invalid("not a cursor of this log store: " + cursor);
      }
      String timestamp;
      try {
        timestamp = Instant.parse(cursor.substring(0, bar)).toString();
      } catch (DateTimeParseException e) {
        throw PlatformException.invalid("not a cursor of this log store: " + cursor);
      }
      String insertId = cursor.substring(bar + 1).replace("\"", "").replace("\\", "");
      filter
          .append(" AND (timestamp > \"")
          .append(timestamp)
          .append("\" OR (timestamp = \"")
          .append(timestamp)
          .append("\" AND insertId > \"")
          .append(insertId)
          .append("\"))");
    }
    return filter.toString();
  }

  /** An entry of either log as a {@link LogEntry}. */
  private static LogEntry entry(String runId, Instant at, com.google.logging.v2.LogEntry e) {
    Map<String, String> labels = new HashMap<>(e.getLabelsMap());
    String message = e.getTextPayload();
    if (e.hasJsonPayload()) {
      Map<String, Value> payload = e.getJsonPayload().getFieldsMap();
      message = text(payload.get("message"));
      Map<String, Value> container = struct(payload.get("container"));
      Map<String, Value> metadata = struct(container.get("metadata"));
      metadata.forEach(
          (k, v) -> {
            if (v.hasStringValue()) {
              labels.put(k, v.getStringValue());
            }
          });
      String instance = text(struct(payload.get("instance")).get("name"));
      if (!instance.isEmpty()) {
        labels.put("instance", instance);
      }
      labels.put("source", "container");
    }
    labels.put(RUN_LABEL, runId);
    return new LogEntry(at, severity(e.getSeverity()), message, labels);
  }

  private static String text(Value value) {
    return value != null && value.hasStringValue() ? value.getStringValue() : "";
  }

  private static Map<String, Value> struct(Value value) {
    return value != null && value.hasStructValue()
        ? value.getStructValue().getFieldsMap()
        : Map.of();
  }

  @Override
  public void close() {
    client.close();
  }

  private static Severity severity(LogSeverity severity) {
    try {
      return Severity.valueOf(severity.name());
    } catch (IllegalArgumentException e) {
      return Severity.DEFAULT;
    }
  }

  private static void requireRunId(String runId) {
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      throw PlatformException.invalid("invalid run id: " + runId);
    }
  }
}
