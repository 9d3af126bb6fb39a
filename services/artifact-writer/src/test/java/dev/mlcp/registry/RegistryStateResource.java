package dev.mlcp.registry;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/**
 * A fresh local state directory for the service under test (objects = GCS, DuckDB = BigQuery), so
 * tests stage run outputs and read the registry from the outside, whether the service runs in the
 * test JVM or as the packaged app.
 */
public class RegistryStateResource implements QuarkusTestResourceLifecycleManager {
  private static volatile Path stateDir;

  /** The state directory the service under test uses. */
  public static Path stateDir() {
    return stateDir;
  }

  @Override
  public Map<String, String> start() {
    stateDir = Path.of("target").toAbsolutePath().resolve("registry-state-" + System.nanoTime());
    return Map.of("mlcp.state-dir", stateDir.toString());
  }

  @Override
  public void stop() {}
}
