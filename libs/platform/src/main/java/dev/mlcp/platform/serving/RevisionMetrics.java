package dev.mlcp.platform.serving;

import java.time.Instant;

/**
 * Request outcomes per revision, what canary analysis reads: Cloud Monitoring's load-balancer (or
 * Cloud Run) request metrics in the cloud, the local proxy's counters locally.
 */
public interface RevisionMetrics {

  /**
   * Requests a revision answered in a window.
   *
   * @param requests requests answered
   * @param errors of them, answered 5xx (or not at all)
   * @param p99LatencyMillis 99th percentile of latency, NaN without requests
   */
  record RequestStats(long requests, long errors, double p99LatencyMillis) {
    /** No requests. */
    public static RequestStats none() {
      return new RequestStats(0, 0, Double.NaN);
    }

    /** Share of requests that did not fail, 1 without requests. */
    public double successRate() {
      return requests == 0 ? 1.0 : (requests - errors) / (double) requests;
    }
  }

  /** What {@code revision} of {@code service} on {@code target} answered since {@code since}. */
  RequestStats stats(
      ServingStack.Target target, String service, String revision, Instant since, Instant until);
}
