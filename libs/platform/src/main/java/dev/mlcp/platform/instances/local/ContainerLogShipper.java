package dev.mlcp.platform.instances.local;

import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.Severity;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What docker's {@code gcplogs} driver does on a VM, for local "VMs": the container's output,
 * appended by the fake docker to {@code container.log}, becomes the run's log entries, labelled
 * with the run id. The position shipped so far is kept beside the file, so nothing is shipped twice
 * across restarts.
 */
final class ContainerLogShipper {
  static final String CONTAINER_LOG = "container.log";
  private static final String OFFSET = "container.log.offset";
  private static final int MAX_LINE = 64 * 1024;

  private final Logs logs;
  private final Clock clock;

  ContainerLogShipper(Logs logs, Clock clock) {
    this.logs = logs;
    this.clock = clock;
  }

  /** Ships complete lines written since the last call; {@code flush} also ships a last partial. */
  synchronized void ship(Path instanceDir, String runId, boolean flush) {
    Path file = instanceDir.resolve(CONTAINER_LOG);
    if (runId == null || !Files.isRegularFile(file)) {
      return;
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long offset = readOffset(instanceDir);
      if (offset >= in.length()) {
        return;
      }
      in.seek(offset);
      byte[] rest = new byte[(int) Math.min(in.length() - offset, 8L * 1024 * 1024)];
      in.readFully(rest);
      int end = rest.length;
      if (!flush) {
        while (end > 0 && rest[end - 1] != '\n') {
          end--;
        }
      }
      if (end == 0) {
        return;
      }
      String text = new String(rest, 0, end, StandardCharsets.UTF_8);
      List<LogEntry> entries = new ArrayList<>();
      for (String line : text.split("\n", -1)) {
        if (!line.isEmpty()) {
          String message = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) : line;
          entries.add(
              new LogEntry(clock.instant(), Severity.INFO, message, Map.of("source", "container")));
        }
      }
      if (!entries.isEmpty()) {
        logs.write(runId, entries);
      }
      Files.writeString(instanceDir.resolve(OFFSET), Long.toString(offset + end));
    } catch (IOException e) {
      // The instance directory went away under us (deleted): nothing left to ship.
    }
  }

  private static long readOffset(Path dir) throws IOException {
    Path f = dir.resolve(OFFSET);
    return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
  }
}
