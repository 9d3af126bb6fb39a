package dev.mlcp.platform.logs.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.logging.v2.LoggingClient;
import com.google.cloud.logging.v2.LoggingSettings;
import dev.mlcp.platform.gcp.InProcessGrpc;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.LogsContract;
import dev.mlcp.platform.logs.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CloudLoggingLogsTest extends LogsContract {

  private FakeCloudLogging fake;
  private InProcessGrpc server;
  private CloudLoggingLogs logs;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeCloudLogging();
    server = fake.server();
    LoggingSettings.Builder settings =
        LoggingSettings.newBuilder()
            .setTransportChannelProvider(server.channelProvider())
            .setCredentialsProvider(NoCredentialsProvider.create());
    settings.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    logs =
        new CloudLoggingLogs(
            "proj",
            LoggingClient.create(settings.build()),
            new Retrier(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))),
            new UlidIdGenerator());
  }

  @AfterEach
  void stop() throws Exception {
    logs.close();
    server.close();
  }

  @Override
  protected Logs logs() {
    return logs;
  }

  @Test
  void a_retried_write_does_not_duplicate_entries() {
    fake.failNextWrites.set(1);

    logs.write("run-r", List.of(new LogEntry(Instant.EPOCH, Severity.INFO, "once", Map.of())));

    assertThat(fake.writeCalls.get()).isEqualTo(2);
    assertThat(logs.read("run-r", null, 10).entries())
        .extracting(LogEntry::message)
        .containsExactly("once");
  }

  @Test
  void entries_with_the_same_timestamp_keep_their_write_order_across_cursors() {
    Instant same = Instant.parse("2026-03-01T10:00:00.123456789Z");
    logs.write(
        "run-t",
        List.of(
            new LogEntry(same, Severity.INFO, "a", Map.of()),
            new LogEntry(same, Severity.INFO, "b", Map.of()),
            new LogEntry(same, Severity.INFO, "c", Map.of())));

    var first = logs.read("run-t", null, 2);
    var rest = logs.read("run-t", first.cursor(), 10);

    assertThat(first.entries()).extracting(LogEntry::message).containsExactly("a", "b");
    assertThat(rest.entries()).extracting(LogEntry::message).containsExactly("c");
  }
}
