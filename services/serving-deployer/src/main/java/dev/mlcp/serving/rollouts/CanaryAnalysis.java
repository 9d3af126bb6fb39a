package dev.mlcp.serving.rollouts;

import dev.mlcp.platform.serving.RevisionMetrics.RequestStats;
import dev.mlcp.platform.serving.ServingStack.RevisionHealth;
import java.util.Locale;

/** Judges one canary step from the new revision's health and requests against the stable one. */
public final class CanaryAnalysis {

  /** The outcome of one analysis. */
  public enum Outcome {
    /** Go on to the next step. */
    PASS,
    /** Roll back. */
    FAIL,
    /** Too little traffic to judge: hold the step and analyse again. */
    INCONCLUSIVE
  }

  /**
   * An analysis and why.
   *
   * @param outcome what to do
   * @param reason in words, with the figures
   * @param canary the new revision's requests in the window
   * @param baseline the stable revisions' requests in the window
   */
  public record Verdict(
      Outcome outcome, String reason, RequestStats canary, RequestStats baseline) {}

  private CanaryAnalysis() {}

  /** Judges a step. */
  public static Verdict judge(
      RevisionHealth health, RequestStats canary, RequestStats baseline, Thresholds t) {
    if (!health.allHealthy()) {
      return new Verdict(
          Outcome.FAIL,
          "revision unhealthy: "
              + health.healthy()
              + " of "
              + health.instances()
              + " instances healthy"
              + (health.detail() == null ? "" : " (" + health.detail() + ")"),
          canary,
          baseline);
    }
    if (canary.requests() < t.minRequests()) {
      return new Verdict(
          Outcome.INCONCLUSIVE,
          canary.requests() + " requests, fewer than the " + t.minRequests() + " needed to judge",
          canary,
          baseline);
    }
    if (canary.successRate() < t.minSuccessRate()) {
      return new Verdict(
          Outcome.FAIL,
          String.format(
              Locale.ROOT,
              "success rate %.1f %% (%d of %d requests failed) is below %.1f %%",
              canary.successRate() * 100,
              canary.errors(),
              canary.requests(),
              t.minSuccessRate() * 100),
          canary,
          baseline);
    }
    if (baseline.requests() >= t.minRequests()
        && !Double.isNaN(baseline.p99LatencyMillis())
        && !Double.isNaN(canary.p99LatencyMillis())) {
      double limit =
          Math.max(t.latencyFloorMillis(), t.maxLatencyRatio() * baseline.p99LatencyMillis());
      if (canary.p99LatencyMillis() > limit) {
        return new Verdict(
            Outcome.FAIL,
            String.format(
                Locale.ROOT,
                "p99 latency %.0f ms is above %.0f ms (%.1f× the stable revision's %.0f ms)",
                canary.p99LatencyMillis(),
                limit,
                t.maxLatencyRatio(),
                baseline.p99LatencyMillis()),
            canary,
            baseline);
      }
    }
    return new Verdict(
        Outcome.PASS,
        String.format(
            Locale.ROOT,
            "success %.1f %% over %d requests, p99 %.0f ms",
            canary.successRate() * 100,
            canary.requests(),
            canary.p99LatencyMillis()),
        canary,
        baseline);
  }
}
