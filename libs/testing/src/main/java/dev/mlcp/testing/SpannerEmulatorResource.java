package dev.mlcp.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link SpannerEmulator} for a {@code @QuarkusTest} and points the application at it:
 * {@code mlcp.spanner.emulator-host} (the OperationalData client, gRPC), {@code
 * mlcp.local.spanner-api} (local VMs' agents, REST) and {@code mlcp.spanner.instances} ({@value
 * #INSTANCE}, created empty). Tests create databases through {@link #current()}.
 */
public final class SpannerEmulatorResource implements QuarkusTestResourceLifecycleManager {
  /** The instance the application lists. */
  public static final String INSTANCE = "mlcp-test-inst";

  private static volatile SpannerEmulator current;

  private SpannerEmulator emulator;

  @Override
  public Map<String, String> start() {
    emulator = SpannerEmulator.start();
    emulator.createInstance(INSTANCE);
    current = emulator;
    return Map.of(
        "mlcp.spanner.emulator-host", emulator.grpcHostPort(),
        "mlcp.local.spanner-api", emulator.restUrl(),
        "mlcp.spanner.instances", INSTANCE);
  }

  @Override
  public void stop() {
    if (emulator != null) {
      emulator.close();
    }
  }

  /** The emulator of the most recently started resource. */
  public static SpannerEmulator current() {
    SpannerEmulator emulator = current;
    if (emulator == null) {
      throw new IllegalStateException("no SpannerEmulatorResource has started");
    }
    return emulator;
  }
}
