package dev.mlcp.training.bench;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.restassured.RestAssured;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The test-profile application with in-memory VMs ({@link RecordingInstances}) and its own state
 * directory, shared by the benchmarks that need the running app.
 */
public class BenchProfile implements QuarkusTestProfile {
  @Override
  public Set<Class<?>> getEnabledAlternatives() {
    return Set.of(RecordingInstances.class);
  }

  /**
   * Waits until the app reports ready (Pub/Sub topics provisioned, pulls running): a run-events
   * publish before its topic exists fails and would be measured as the service's.
   */
  static void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (RestAssured.get("/q/health/ready").statusCode() != 200) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("training-runner not ready after 60 s");
      }
      Thread.sleep(200);
    }
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    Path state = Path.of("target").toAbsolutePath().resolve("bench-state-" + System.nanoTime());
    return Map.of(
        "mlcp.state-dir",
        state.toString(),
        // A line per transition of thousands of runs would measure the console, not the service.
        "quarkus.log.category.\"dev.mlcp.training\".level",
        "WARN");
  }
}
