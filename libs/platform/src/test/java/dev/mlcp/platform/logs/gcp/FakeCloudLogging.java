package dev.mlcp.platform.logs.gcp;

import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.ListLogEntriesResponse;
import com.google.logging.v2.LogEntry;
import com.google.logging.v2.WriteLogEntriesRequest;
import com.google.logging.v2.WriteLogEntriesResponse;
import dev.mlcp.platform.gcp.InProcessGrpc;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloud Logging's write and list calls over in-process gRPC: entries de-duplicated by insertId,
 * listed in (timestamp, insertId) order. It understands the filter clauses Cloud Logging would
 * evaluate for this adapter (log name, a label, a timestamp/insertId lower bound) and rejects any
 * other filter, so a change of the adapter's query shows up here.
 */
final class FakeCloudLogging {

  static final String SERVICE = "google.logging.v2.LoggingServiceV2";
  private static final Pattern FILTER =
      Pattern.compile(
          "logName=\"([^\"]+)\" AND labels\\.\"mlcp-run\"=\"([^\"]+)\""
              + "(?: AND \\(timestamp > \"([^\"]+)\" OR \\(timestamp = \"([^\"]+)\" AND insertId > \"([^\"]+)\"\\)\\))?");

  private final Map<String, LogEntry> byInsertId = new LinkedHashMap<>();
  final AtomicInteger failNextWrites = new AtomicInteger();
  final AtomicInteger writeCalls = new AtomicInteger();

  InProcessGrpc server() {
    return new InProcessGrpc(SERVICE)
        .unary(
            SERVICE,
            "WriteLogEntries",
            WriteLogEntriesRequest.getDefaultInstance(),
            WriteLogEntriesResponse.getDefaultInstance(),
            this::write)
        .unary(
            SERVICE,
            "ListLogEntries",
            ListLogEntriesRequest.getDefaultInstance(),
            ListLogEntriesResponse.getDefaultInstance(),
            this::list)
        .start();
  }

  private synchronized WriteLogEntriesResponse write(WriteLogEntriesRequest r) {
    writeCalls.incrementAndGet();
    for (LogEntry e : r.getEntriesList()) {
      LogEntry.Builder b = e.toBuilder();
      if (b.getLogName().isEmpty()) {
        b.setLogName(r.getLogName());
      }
      r.getLabelsMap()
          .forEach(
              (k, v) -> {
                if (!b.getLabelsMap().containsKey(k)) {
                  b.putLabels(k, v);
                }
              });
      byInsertId.putIfAbsent(e.getInsertId(), b.build());
    }
    if (failNextWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      // Stored, but the answer is lost: the client cannot tell and will retry.
      throw Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException();
    }
    return WriteLogEntriesResponse.getDefaultInstance();
  }

  private synchronized ListLogEntriesResponse list(ListLogEntriesRequest r) {
    Matcher m = FILTER.matcher(r.getFilter());
    if (!m.matches() || !r.getOrderBy().equals("timestamp asc")) {
      throw Status.INVALID_ARGUMENT
          .withDescription("unsupported filter: " + r.getFilter())
          .asRuntimeException();
    }
    Instant after = m.group(3) == null ? null : Instant.parse(m.group(3));
    String afterId = m.group(5);
    List<LogEntry> matching = new ArrayList<>();
    for (LogEntry e : byInsertId.values()) {
      if (!e.getLogName().equals(m.group(1))
          || !m.group(2).equals(e.getLabelsMap().get("mlcp-run"))) {
        continue;
      }
      Instant at =
          Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
      if (after != null
          && (at.isBefore(after)
              || (at.equals(after) && e.getInsertId().compareTo(afterId) <= 0))) {
        continue;
      }
      matching.add(e);
    }
    matching.sort(
        Comparator.<LogEntry, Instant>comparing(
                e ->
                    Instant.ofEpochSecond(
                        e.getTimestamp().getSeconds(), e.getTimestamp().getNanos()))
            .thenComparing(LogEntry::getInsertId));
    int size = r.getPageSize() == 0 ? 50 : r.getPageSize();
    ListLogEntriesResponse.Builder out =
        ListLogEntriesResponse.newBuilder()
            .addAllEntries(matching.subList(0, Math.min(size, matching.size())));
    if (matching.size() > size) {
      out.setNextPageToken("more");
    }
    return out.build();
  }
}
