package dev.mlcp.registry.bench;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;

/** The test-profile application with its own state directory and quiet logs. */
public class BenchProfile implements QuarkusTestProfile {
  static final Path STATE =
      Path.of("target").toAbsolutePath().resolve("bench-state-" + System.nanoTime());

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "mlcp.state-dir",
        STATE.toString(),
        // A line per registration step of a thousand runs would measure the console.
        "quarkus.log.category.\"dev.mlcp.registry\".level",
        "WARN");
  }
}
