package dev.mlcp.training.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@link BenchProfile} with the completion channel in push mode (completions arrive as HTTP
 * requests, on the same worker threads as the REST API, as on Cloud Run), the log store counting
 * reads ({@link CountingLogs}), and no per-owner run limit (the benchmark submits hundreds of
 * runs).
 */
public class LogFollowBenchProfile extends BenchProfile {
  @Override
  public Set<Class<?>> getEnabledAlternatives() {
    return Set.of(RecordingInstances.class, CountingLogs.class);
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.put("mp.messaging.incoming.training-completed.mode", "push");
    config.put("%test.mp.messaging.incoming.training-completed.mode", "push");
    config.put("mlcp.training.limits.max-active-runs-per-owner", "100000");
    return config;
  }
}
