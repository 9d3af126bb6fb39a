package dev.mlcp.training.bench;

import java.util.Arrays;
import java.util.Locale;

/** Latency percentiles of one benchmark, printed (never asserted: the machine is shared). */
record Stats(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs, double meanMs) {

  /** Nearest-rank percentiles of {@code nanos}. */
  static Stats of(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (long n : sorted) {
      sum += n;
    }
    return new Stats(
        sorted.length,
        ms(rank(sorted, 0.50)),
        ms(rank(sorted, 0.90)),
        ms(rank(sorted, 0.99)),
        ms(sorted[sorted.length - 1]),
        sorted.length == 0 ? 0 : sum / sorted.length / 1e6);
  }

  private static long rank(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  String line(String label) {
    return String.format(
        Locale.ROOT,
        "%-44s n=%5d  p50=%8.1f ms  p90=%8.1f ms  p99=%8.1f ms  max=%8.1f ms  mean=%8.1f ms",
        label,
        count,
        p50Ms,
        p90Ms,
        p99Ms,
        maxMs,
        meanMs);
  }
}
