package dev.mlcp.platform.gcp;

import java.time.Duration;

/**
 * Bounded exponential backoff for calls that are safe to repeat.
 *
 * @param maxAttempts total attempts including the first
 * @param initialBackoff wait before the second attempt
 * @param maxBackoff upper bound of one wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

  /** Validates. */
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
  }

  /** Five attempts, 200 ms doubling to 5 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5));
  }

  /** The wait before attempt {@code attempt} (2-based), with up to 20 % jitter. */
  Duration backoff(int attempt) {
    long base = initialBackoff.toMillis() << Math.min(20, attempt - 2);
    long capped = Math.min(base, maxBackoff.toMillis());
    long jitter = (long) (capped * 0.2 * Math.random());
    return Duration.ofMillis(capped - jitter);
  }
}
