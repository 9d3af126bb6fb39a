package dev.mlcp.platform.logs.gcp;

import com.google.api.MonitoredResource;
import com.google.cloud.logging.v2.LoggingClient;
import com.google.logging.type.LogSeverity;
import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.ListLogEntriesResponse;
import com.google.logging.v2.WriteLogEntriesRequest;
import com.google.protobuf.Timestamp;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@link Logs} on Cloud Logging: entries go to log {@code mlcp-runs} with label {@code
 * mlcp-run=<run>} and a time-ordered insertId, so a retried write is de-duplicated by the service
 * and entries with equal timestamps keep their order. A cursor is the last entry's timestamp and
 * insertId; reading after it uses a filter, so cursors do not expire like page tokens do.
 */
public final class CloudLoggingLogs implements Logs {

  /** The log all run entries go to. */
  public static final String LOG_ID = "mlcp-runs";

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
            .putLabels("mlcp-run", runId);
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
              .putLabels("mlcp-run", runId));
    }
    WriteLogEntriesRequest built = request.build();
    // Entries carry insertIds: the service drops duplicates, so a retry is safe.
    retrier.call(
        "write log entries of " + runId, true, () -> client.writeLogEntriesCallable().call(built));
  }

  @Override
  public LogBatch read(String runId, String cursor, int max) {
    requireRunId(runId);
    StringBuilder filter =
        new StringBuilder("logName=\"")
            .append(logName())
            .append("\" AND labels.\"mlcp-run\"=\"")
            .append(runId)
            .append('"');
    if (cursor != null && !cursor.isEmpty()) {
      int bar = cursor.indexOf('|');
      if (bar < 0) {
        throw PlatformException.invalid("not a cursor of this log store: " + cursor);
      }
      String timestamp = Instant.parse(cursor.substring(0, bar)).toString();
      String insertId = cursor.substring(bar + 1).replace("\"", "");
      filter
          .append(" AND (timestamp > \"")
          .append(timestamp)
          .append("\" OR (timestamp = \"")
          .append(timestamp)
          .append("\" AND insertId > \"")
          .append(insertId)
          .append("\"))");
    }
    ListLogEntriesRequest request =
        ListLogEntriesRequest.newBuilder()
            .addResourceNames("projects/" + project)
            .setFilter(filter.toString())
            .setOrderBy("timestamp asc")
            .setPageSize(Math.max(1, Math.min(1000, max)))
            .build();
    ListLogEntriesResponse response =
        retrier.call(
            "read log entries of " + runId,
            true,
            () -> client.listLogEntriesCallable().call(request));
    List<LogEntry> entries = new ArrayList<>();
    String next = cursor;
    for (com.google.logging.v2.LogEntry e : response.getEntriesList()) {
      if (entries.size() == max) {
        break;
      }
      Instant at =
          Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
      Map<String, String> labels = new HashMap<>(e.getLabelsMap());
      entries.add(new LogEntry(at, severity(e.getSeverity()), e.getTextPayload(), labels));
      next = at + "|" + e.getInsertId();
    }
    return new LogBatch(entries, next);
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
