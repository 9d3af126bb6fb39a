package dev.mlcp.platform.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.logs.local.JsonLinesLogs;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesLogsTest extends LogsContract {

  @TempDir Path root;
  private JsonLinesLogs logs;

  @BeforeEach
  void setUp() {
    logs = new JsonLinesLogs(root);
  }

  @Override
  protected Logs logs() {
    return logs;
  }

  @Test
  void a_cursor_from_one_store_resumes_in_another_on_the_same_directory() {
    logs.write("run-x", List.of(new LogEntry(Instant.EPOCH, Severity.INFO, "one", Map.of())));
    String cursor = logs.read("run-x", null, 10).cursor();
    logs.write("run-x", List.of(new LogEntry(Instant.EPOCH, Severity.INFO, "two", Map.of())));

    JsonLinesLogs other = new JsonLinesLogs(root);

    assertThat(other.read("run-x", cursor, 10).entries())
        .extracting(LogEntry::message)
        .containsExactly("two");
  }
}
