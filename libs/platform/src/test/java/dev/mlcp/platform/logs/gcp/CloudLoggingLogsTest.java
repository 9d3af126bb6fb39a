package dev.mlcp.platform.logs.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.MonitoredResource;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.logging.v2.LoggingClient;
import com.google.cloud.logging.v2.LoggingSettings;
import com.google.logging.type.LogSeverity;
import com.google.logging.v2.ListLogEntriesRequest;
import com.google.logging.v2.WriteLogEntriesRequest;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.InProcessGrpc;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.LogsContract;
import dev.mlcp.platform.logs.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  /** Writes like docker's gcplogs driver on a training VM: its own client, the raw API. */
  private LoggingClient driver;

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
    driver = LoggingClient.create(settings.build());
    logs =
        new CloudLoggingLogs(
            "proj",
            LoggingClient.create(settings.build()),
            new Retrier(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))),
            new UlidIdGenerator());
  }

  @AfterEach
  void stop() throws Exception {
    driver.close();
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

  private static final Instant T0 = Instant.parse("2026-03-02T08:00:00.100Z");

  /**
   * One line as docker's {@code gcplogs} driver sends it for a container started by the VM agent
   * ({@code --log-opt labels=mlcp-run,mlcp-attempt}): no insertId (the service assigns one), the VM
   * as {@code gce_instance} resource, stderr as ERROR and stdout as INFO.
   */
  private void driverLine(String run, int attempt, Instant at, boolean stderr, String message) {
    Struct.Builder metadata =
        Struct.newBuilder()
            .putFields("mlcp-run", string(run))
            .putFields("mlcp-attempt", string(Integer.toString(attempt)));
    Struct container =
        Struct.newBuilder()
            .putFields("name", string("/mlcp-" + run + "-" + attempt))
            .putFields(
                "id", string("4b5a9d3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b"))
            .putFields("imageName", string("europe-docker.pkg.dev/proj/ml/trainer:1"))
            .putFields("imageId", string("sha256:0f9e8d7c6b5a"))
            .putFields("created", string("2026-03-02T07:59:58.000000001Z"))
            .putFields("metadata", Value.newBuilder().setStructValue(metadata).build())
            .build();
    Struct instance =
        Struct.newBuilder()
            .putFields("id", string("5712345678901234567"))
            .putFields("zone", string("europe-west4-a"))
            .putFields("name", string("mlcp-" + run + "-" + attempt))
            .build();
    Struct payload =
        Struct.newBuilder()
            .putFields("instance", Value.newBuilder().setStructValue(instance).build())
            .putFields("container", Value.newBuilder().setStructValue(container).build())
            .putFields("message", string(message))
            .build();
    String logName = "projects/proj/logs/gcplogs-docker-driver";
    MonitoredResource vm =
        MonitoredResource.newBuilder()
            .setType("gce_instance")
            .putLabels("project_id", "proj")
            .putLabels("instance_id", "5712345678901234567")
            .putLabels("zone", "europe-west4-a")
            .build();
    driver.writeLogEntries(
        WriteLogEntriesRequest.newBuilder()
            .setLogName(logName)
            .setResource(vm)
            .addEntries(
                com.google.logging.v2.LogEntry.newBuilder()
                    .setLogName(logName)
                    .setResource(vm)
                    .setTimestamp(
                        Timestamp.newBuilder()
                            .setSeconds(at.getEpochSecond())
                            .setNanos(at.getNano()))
                    .setSeverity(stderr ? LogSeverity.ERROR : LogSeverity.INFO)
                    .setJsonPayload(payload))
            .build());
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  @Test
  void reads_the_container_output_the_gcplogs_driver_writes_for_the_run() {
    driverLine("run-g", 1, T0, false, "epoch 1/2 loss=0.41");
    driverLine("run-other", 1, T0.plusMillis(5), false, "someone else's line");
    driverLine("run-g", 1, T0.plusMillis(10), true, "warning: learning rate is high");
    driverLine("run-g", 2, T0.plusMillis(20), false, "epoch 2/2 loss=0.22");

    LogBatch batch = logs.read("run-g", null, 100);

    assertThat(batch.entries())
        .extracting(LogEntry::message)
        .containsExactly(
            "epoch 1/2 loss=0.41", "warning: learning rate is high", "epoch 2/2 loss=0.22");
    assertThat(batch.entries())
        .extracting(LogEntry::severity)
        .containsExactly(Severity.INFO, Severity.ERROR, Severity.INFO);
    assertThat(batch.entries().get(0).labels())
        .containsEntry("mlcp-run", "run-g")
        .containsEntry("mlcp-attempt", "1")
        .containsEntry("instance", "mlcp-run-g-1");
    assertThat(batch.entries().get(2).labels()).containsEntry("mlcp-attempt", "2");
    assertThat(batch.entries().get(0).timestamp()).isEqualTo(T0);
  }

  @Test
  void driver_and_written_entries_read_as_one_log_and_cursors_resume_across_both() {
    driverLine("run-m", 1, T0, false, "container 1");
    logs.write(
        "run-m", List.of(new LogEntry(T0.plusMillis(1), Severity.INFO, "shipped 1", Map.of())));
    driverLine("run-m", 1, T0.plusMillis(2), true, "container 2");

    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int i = 0; i < 5; i++) {
      LogBatch one = logs.read("run-m", cursor, 1);
      one.entries().forEach(e -> seen.add(e.message()));
      cursor = one.cursor();
    }
    logs.write(
        "run-m", List.of(new LogEntry(T0.plusMillis(3), Severity.INFO, "shipped 2", Map.of())));
    driverLine("run-m", 1, T0.plusMillis(4), false, "container 3");
    LogBatch rest = logs.read("run-m", cursor, 100);
    LogBatch all = logs.read("run-m", null, 100);

    assertThat(seen).containsExactly("container 1", "shipped 1", "container 2");
    assertThat(rest.entries())
        .extracting(LogEntry::message)
        .containsExactly("shipped 2", "container 3");
    assertThat(logs.read("run-m", all.cursorAfter(1), 100).entries())
        .extracting(LogEntry::message)
        .containsExactly("container 2", "shipped 2", "container 3");
  }

  @Test
  void a_read_follows_page_tokens_through_short_pages() {
    fake.maxPerPage = 1;
    logs.write(
        "run-p",
        List.of(
            new LogEntry(T0, Severity.INFO, "a", Map.of()),
            new LogEntry(T0.plusMillis(1), Severity.INFO, "b", Map.of()),
            new LogEntry(T0.plusMillis(2), Severity.INFO, "c", Map.of())));

    assertThat(logs.read("run-p", null, 10).entries())
        .extracting(LogEntry::message)
        .containsExactly("a", "b", "c");
  }

  @Test
  void a_cursor_that_is_not_this_stores_is_invalid_argument() {
    assertThatThrownBy(() -> logs.read("run-x", "2026-13-45|x", 10))
        .isInstanceOf(PlatformException.class)
        .hasMessageContaining("not a cursor");
    assertThatThrownBy(() -> logs.read("run-x", "1234", 10))
        .isInstanceOf(PlatformException.class)
        .hasMessageContaining("not a cursor");
  }

  @Test
  void the_fake_refuses_filters_it_does_not_understand() {
    for (String filter :
        List.of(
            "logName=\"projects/proj/logs/mlcp-runs\" labels.\"mlcp-run\"=\"r\"",
            "labels.\"mlcp-run\":\"r\"",
            "NOT labels.\"mlcp-run\"=\"r\"",
            "operation.id=\"r\"",
            "\"r\"")) {
      ListLogEntriesRequest request =
          ListLogEntriesRequest.newBuilder()
              .addResourceNames("projects/proj")
              .setFilter(filter)
              .setOrderBy("timestamp asc")
              .build();
      assertThatThrownBy(() -> driver.listLogEntriesCallable().call(request))
          .as(filter)
          .hasMessageContaining("INVALID_ARGUMENT");
    }
  }
}
