package dev.mlcp.platform.logs.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.internal.LocalLocks;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.Severity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@link Logs} as one JSON-lines file per run ({@code <root>/<run>.jsonl}). Appends are serialised
 * across processes by a file lock; the cursor is the byte offset after the last complete line read,
 * so it survives restarts and never splits a line being written.
 */
public final class JsonLinesLogs implements Logs {

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private final Path root;

  /** Logs in {@code root} (created if missing). */
  public JsonLinesLogs(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create log directory " + this.root, e);
    }
  }

  @Override
  public void write(String runId, List<LogEntry> entries) {
    Path file = file(runId);
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    for (LogEntry entry : entries) {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("timestamp", entry.timestamp().toString());
      node.put("severity", entry.severity().name());
      node.put("message", entry.message());
      ObjectNode labels = node.putObject("labels");
      entry.labels().forEach(labels::put);
      labels.put("mlcp-run", runId);
      try {
        lines.write(Json.MAPPER.writeValueAsBytes(node));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      lines.write('\n');
    }
    try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".locks").resolve(runId));
        FileChannel out =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
      ByteBuffer buffer = ByteBuffer.wrap(lines.toByteArray());
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "ioError", "cannot write log of " + runId, e);
    }
  }

  @Override
  public LogBatch read(String runId, String cursor, int max) {
    long offset = cursor == null || cursor.isEmpty() ? 0 : parseCursor(cursor);
    List<LogEntry> entries = new ArrayList<>();
    List<String> cursors = new ArrayList<>();
    try (FileChannel in = FileChannel.open(file(runId), StandardOpenOption.READ)) {
      in.position(offset);
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      long position = offset;
      long consumed = offset;
      while (entries.size() < max && in.read(buffer) > 0) {
        buffer.flip();
        while (buffer.hasRemaining() && entries.size() < max) {
          byte b = buffer.get();
          position++;
          if (b == '\n') {
            entries.add(parse(line.toByteArray()));
            line.reset();
            consumed = position;
            cursors.add(Long.toString(consumed));
          } else {
            line.write(b);
          }
        }
        buffer.clear();
      }
      return new LogBatch(entries, Long.toString(consumed), cursors);
    } catch (NoSuchFileException e) {
      return LogBatch.empty(Long.toString(offset));
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "ioError", "cannot read log of " + runId, e);
    }
  }

  private static LogEntry parse(byte[] line) throws IOException {
    JsonNode node = Json.MAPPER.readTree(new String(line, StandardCharsets.UTF_8));
    Map<String, String> labels = new LinkedHashMap<>();
    node.path("labels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new LogEntry(
        Instant.parse(node.path("timestamp").asText()),
        Severity.valueOf(node.path("severity").asText("DEFAULT")),
        node.path("message").asText(""),
        labels);
  }

  private static long parseCursor(String cursor) {
    try {
      long offset = Long.parseLong(cursor);
      if (offset < 0) {
        throw new NumberFormatException();
      }
      return offset;
    } catch (NumberFormatException e) {
      throw PlatformException.invalid("not a cursor of this log store: " + cursor);
    }
  }

  private Path file(String runId) {
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      throw PlatformException.invalid("invalid run id: " + runId);
    }
    return root.resolve(runId + ".jsonl");
  }
}
