package dev.mlcp.training.runs;

import java.util.Locale;

/** What a Spot run does when its VM is preempted. */
public enum PreemptionPolicy {
  /** Retry on Spot (bounded attempts). */
  RETRY("retry"),
  /** Retry on an on-demand VM. */
  FALLBACK_ON_DEMAND("fallbackOnDemand"),
  /** Fail the run. */
  FAIL("fail");

  private final String wire;

  PreemptionPolicy(String wire) {
    this.wire = wire;
  }

  /** The spelling in run specs and config. */
  public String wire() {
    return wire;
  }

  /**
   * The policy spelled {@code value} in a spec or config ({@code retry}, {@code fallbackOnDemand},
   * {@code fail}); null gives {@code fallback}.
   *
   * @throws IllegalArgumentException for another spelling
   */
  public static PreemptionPolicy parse(String value, PreemptionPolicy fallback) {
    if (value == null) {
      return fallback;
    }
    for (PreemptionPolicy p : values()) {
      if (p.wire.equals(value) || p.name().equals(value.toUpperCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown preemption policy '" + value + "' (retry, fallbackOnDemand or fail)");
  }
}
