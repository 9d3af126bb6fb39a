package dev.mlcp.platform.operational.gcp;

import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.OperationalDataContract;
import dev.mlcp.testing.SpannerEmulator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract against the real Spanner emulator, through the production adapter. */
class SpannerEmulatorContractTest extends OperationalDataContract {
  private static SpannerEmulator emulator;
  private static SpannerOperationalData data;

  @BeforeAll
  static void start() {
    emulator = SpannerEmulator.start();
    emulator.createDatabase(INSTANCE, DATABASE, DDL);
    emulator.dml(INSTANCE, DATABASE, ROWS);
    data =
        SpannerOperationalData.onEmulator(
            emulator.grpcHostPort(),
            new SpannerOperationalData.Settings(
                emulator.projectId(), List.of(INSTANCE), Duration.ofSeconds(1), 0, 4));
  }

  @AfterAll
  static void stop() {
    if (data != null) {
      data.close();
    }
    if (emulator != null) {
      emulator.close();
    }
  }

  @Override
  protected OperationalData data() {
    return data;
  }
}
