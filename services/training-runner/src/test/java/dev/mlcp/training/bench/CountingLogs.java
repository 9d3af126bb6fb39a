package dev.mlcp.training.bench;

import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The local log store of the app, counting {@link #read} calls: on Cloud Logging each is an {@code
 * entries.list} request against a per-project quota, so the count says what following would cost
 * there. A CDI alternative only {@link LogFollowBenchProfile} selects.
 */
@Alternative
@Singleton
public class CountingLogs implements Logs {
  final AtomicLong reads = new AtomicLong();
  private final Logs delegate;

  @Inject
  CountingLogs(@ConfigProperty(name = "mlcp.state-dir") String stateDir) {
    this.delegate = new JsonLinesLogs(Path.of(stateDir).resolve("logs"));
  }

  @Override
  public void write(String runId, List<LogEntry> entries) {
    delegate.write(runId, entries);
  }

  @Override
  public LogBatch read(String runId, String cursor, int max) {
    reads.incrementAndGet();
    return delegate.read(runId, cursor, max);
  }
}
