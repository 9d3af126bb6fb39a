package dev.mlcp.registry.models;

import java.util.Locale;

/** Which way a metric is better. */
public enum Direction {
  /** Larger is better (accuracy, AUC). */
  HIGHER,
  /** Smaller is better (loss, latency). */
  LOWER;

  /** {@code higher} or {@code lower}, any case; null when it is neither. */
  public static Direction parse(String text) {
    if (text == null) {
      return null;
    }
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "higher" -> HIGHER;
      case "lower" -> LOWER;
      default -> null;
    };
  }

  /** Whether {@code value} meets {@code threshold} in this direction. */
  public boolean meets(double value, double threshold) {
    return this == HIGHER ? value >= threshold : value <= threshold;
  }

  /** The comparison in words: {@code >=} or {@code <=}. */
  public String symbol() {
    return this == HIGHER ? ">=" : "<=";
  }
}
