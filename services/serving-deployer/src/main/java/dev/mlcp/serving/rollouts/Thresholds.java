package dev.mlcp.serving.rollouts;

/**
 * What a canary step must show to pass (Flagger-style analysis).
 *
 * @param minSuccessRate lowest share of non-5xx answers, e.g. 0.99
 * @param maxLatencyRatio highest p99 latency as a multiple of the stable revision's, e.g. 2
 * @param latencyFloorMillis p99 below this always passes (tiny baselines would make 2× noise)
 * @param minRequests fewer requests than this in a step is inconclusive
 * @param maxInconclusive inconclusive analyses a step may hold for before the rollout fails
 * @param healthTimeoutSeconds how long a new revision may take to become healthy
 */
public record Thresholds(
    double minSuccessRate,
    double maxLatencyRatio,
    double latencyFloorMillis,
    long minRequests,
    int maxInconclusive,
    long healthTimeoutSeconds) {

  /** The defaults: success ≥ 99 %, p99 ≤ 2× stable, 20 requests, hold 3 times, 10 min healthy. */
  public static Thresholds defaults() {
    return new Thresholds(0.99, 2.0, 100, 20, 3, 600);
  }
}
