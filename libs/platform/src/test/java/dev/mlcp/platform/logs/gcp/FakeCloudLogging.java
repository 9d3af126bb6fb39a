package dev.mlcp.platform.logs.gcp;

import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.ListLogEntriesResponse;
import com.google.logging.v2.LogEntry;
import com.google.logging.v2.WriteLogEntriesRequest;
import com.google.logging.v2.WriteLogEntriesResponse;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.mlcp.platform.gcp.InProcessGrpc;
import io.grpc.Status;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Cloud Logging's write and list calls over in-process gRPC: entries de-duplicated by insertId,
 * listed in (timestamp, insertId) order, page by page. List filters are evaluated like Cloud
 * Logging's query language for the subset an adapter needs — comparisons ({@code = > >= < <=}) of
 * {@code logName}, {@code timestamp}, {@code insertId}, {@code severity}, {@code textPayload},
 * {@code labels.*}, {@code resource.type}, {@code resource.labels.*} and {@code jsonPayload.*}
 * paths (quoted segments allowed) with a quoted value, joined by explicit {@code AND} / {@code OR}
 * and parentheses, OR binding tighter than AND as in Cloud Logging. Anything else (a bare word,
 * {@code :}, {@code !=}, {@code NOT}, another field, implicit AND) is refused with
 * INVALID_ARGUMENT, so a change of the adapter's query shows up here.
 */
final class FakeCloudLogging {

  static final String SERVICE = "google.logging.v2.LoggingServiceV2";

  private final Map<String, LogEntry> byInsertId = new LinkedHashMap<>();
  final AtomicInteger failNextWrites = new AtomicInteger();
  final AtomicInteger writeCalls = new AtomicInteger();
  final AtomicInteger listCalls = new AtomicInteger();

  /** At most this many entries per page (Cloud Logging may return short pages, even empty). */
  volatile int maxPerPage = Integer.MAX_VALUE;

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
      if (!b.hasResource() && r.hasResource()) {
        b.setResource(r.getResource());
      }
      if (b.getInsertId().isEmpty()) {
        b.setInsertId(String.format("server-%08d", byInsertId.size()));
      }
      r.getLabelsMap()
          .forEach(
              (k, v) -> {
                if (!b.getLabelsMap().containsKey(k)) {
                  b.putLabels(k, v);
                }
              });
      byInsertId.putIfAbsent(b.getInsertId(), b.build());
    }
    if (failNextWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      // Stored, but the answer is lost: the client cannot tell and will retry.
      throw Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException();
    }
    return WriteLogEntriesResponse.getDefaultInstance();
  }

  private synchronized ListLogEntriesResponse list(ListLogEntriesRequest r) {
    listCalls.incrementAndGet();
    Predicate<LogEntry> filter;
    try {
      filter = new Parser(r.getFilter()).parse();
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("unsupported filter: " + e.getMessage() + ": " + r.getFilter())
          .asRuntimeException();
    }
    if (!r.getOrderBy().equals("timestamp asc")) {
      throw Status.INVALID_ARGUMENT
          .withDescription("unsupported order: " + r.getOrderBy())
          .asRuntimeException();
    }
    List<LogEntry> matching = new ArrayList<>();
    for (LogEntry e : byInsertId.values()) {
      if (filter.test(e)) {
        matching.add(e);
      }
    }
    matching.sort(
        Comparator.comparing(FakeCloudLogging::timestamp).thenComparing(LogEntry::getInsertId));
    int from = r.getPageToken().isEmpty() ? 0 : Integer.parseInt(r.getPageToken());
    int size = Math.min(r.getPageSize() == 0 ? 50 : r.getPageSize(), maxPerPage);
    int to = Math.min(matching.size(), from + size);
    ListLogEntriesResponse.Builder out =
        ListLogEntriesResponse.newBuilder().addAllEntries(matching.subList(from, to));
    if (to < matching.size()) {
      out.setNextPageToken(Integer.toString(to));
    }
    return out.build();
  }

  private static Instant timestamp(LogEntry e) {
    return Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
  }

  /** Recursive descent over the supported subset; throws IllegalArgumentException otherwise. */
  private static final class Parser {
    private final String text;
    private int at;

    Parser(String text) {
      this.text = text;
    }

    Predicate<LogEntry> parse() {
      Predicate<LogEntry> p = conjunction();
      skipSpace();
      if (at != text.length()) {
        throw new IllegalArgumentException("unexpected text at " + at);
      }
      return p;
    }

    // AND binds loosest in the Logging query language: a OR b AND c is (a OR b) AND c.
    private Predicate<LogEntry> conjunction() {
      Predicate<LogEntry> p = disjunction();
      while (keyword("AND")) {
        p = p.and(disjunction());
      }
      return p;
    }

    private Predicate<LogEntry> disjunction() {
      Predicate<LogEntry> p = term();
      while (keyword("OR")) {
        p = p.or(term());
      }
      return p;
    }

    private Predicate<LogEntry> term() {
      skipSpace();
      if (peek('(')) {
        at++;
        Predicate<LogEntry> p = conjunction();
        skipSpace();
        expect(')');
        return p;
      }
      List<String> path = path();
      skipSpace();
      String op = operator();
      skipSpace();
      String value = quoted();
      return comparison(path, op, value);
    }

    private List<String> path() {
      List<String> path = new ArrayList<>();
      skipSpace();
      while (true) {
        if (peek('"')) {
          path.add(quoted());
        } else {
          int start = at;
          while (at < text.length()
              && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
            at++;
          }
          if (start == at) {
            throw new IllegalArgumentException("expected a field at " + at);
          }
          path.add(text.substring(start, at));
        }
        if (!peek('.')) {
          return path;
        }
        at++;
      }
    }

    private String operator() {
      for (String op : List.of(">=", "<=", "=", ">", "<")) {
        if (text.startsWith(op, at)) {
          at += op.length();
          return op;
        }
      }
      throw new IllegalArgumentException("unsupported operator at " + at);
    }

    private String quoted() {
      expect('"');
      StringBuilder value = new StringBuilder();
      while (at < text.length() && text.charAt(at) != '"') {
        if (text.charAt(at) == '\\') {
          at++;
        }
        value.append(text.charAt(at++));
      }
      expect('"');
      return value.toString();
    }

    private boolean keyword(String word) {
      skipSpace();
      if (text.startsWith(word + " ", at) || text.startsWith(word + "(", at)) {
        at += word.length();
        return true;
      }
      return false;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw new IllegalArgumentException("expected " + c + " at " + at);
      }
      at++;
    }

    private boolean peek(char c) {
      return at < text.length() && text.charAt(at) == c;
    }

    private void skipSpace() {
      while (at < text.length() && text.charAt(at) == ' ') {
        at++;
      }
    }
  }

  private static Predicate<LogEntry> comparison(List<String> path, String op, String value) {
    String head = path.get(0);
    if (path.size() == 1 && head.equals("timestamp")) {
      Instant bound;
      try {
        bound = Instant.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("bad timestamp " + value);
      }
      return e -> compares(timestamp(e).compareTo(bound), op);
    }
    Accessor field = accessor(path);
    return e -> {
      String actual = field.get(e);
      return actual != null && compares(actual.compareTo(value), op);
    };
  }

  private interface Accessor {
    String get(LogEntry e);
  }

  private static Accessor accessor(List<String> path) {
    String head = path.get(0);
    int n = path.size();
    if (n == 1 && head.equals("logName")) {
      return LogEntry::getLogName;
    }
    if (n == 1 && head.equals("insertId")) {
      return LogEntry::getInsertId;
    }
    if (n == 1 && head.equals("textPayload")) {
      return e -> e.hasJsonPayload() || e.hasProtoPayload() ? null : e.getTextPayload();
    }
    if (n == 1 && head.equals("severity")) {
      return e -> e.getSeverity().name();
    }
    if (n == 2 && head.equals("labels")) {
      return e -> e.getLabelsMap().get(path.get(1));
    }
    if (n == 2 && head.equals("resource") && path.get(1).equals("type")) {
      return e -> e.getResource().getType();
    }
    if (n == 3 && head.equals("resource") && path.get(1).equals("labels")) {
      return e -> e.getResource().getLabelsMap().get(path.get(2));
    }
    if (n >= 2 && head.equals("jsonPayload")) {
      return e -> {
        if (!e.hasJsonPayload()) {
          return null;
        }
        Struct struct = e.getJsonPayload();
        for (int i = 1; i < n - 1; i++) {
          Value v = struct.getFieldsMap().get(path.get(i));
          if (v == null || !v.hasStructValue()) {
            return null;
          }
          struct = v.getStructValue();
        }
        Value leaf = struct.getFieldsMap().get(path.get(n - 1));
        return leaf != null && leaf.hasStringValue() ? leaf.getStringValue() : null;
      };
    }
    throw new IllegalArgumentException("unsupported field " + String.join(".", path));
  }

  private static boolean compares(int c, String op) {
    return switch (op) {
      case "=" -> c == 0;
      case ">" -> c > 0;
      case ">=" -> c >= 0;
      case "<" -> c < 0;
      case "<=" -> c <= 0;
      default -> throw new IllegalArgumentException(op);
    };
  }
}
