package dev.mlcp.experiments.notebooks;

import java.util.List;

/**
 * Compute Engine could not make the VM: a quota (429) or no capacity in any of the zones tried
 * (503). Carries GCE's own reason and, for a quota, the quota's name, so the problem+json answer
 * tells the user exactly what ran out. Nothing was left behind.
 */
public class CapacityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What ran out. */
  public enum Kind {
    /** A project or regional quota, e.g. {@code NVIDIA_L4_GPUS}. */
    QUOTA,
    /** Every zone tried was out of the resources (stockout). */
    STOCKOUT
  }

  private final Kind kind;
  private final String reason;
  private final String quota;
  private final List<String> zonesTried;

  public CapacityException(
      Kind kind, String reason, String quota, List<String> zonesTried, String message) {
    super(message);
    this.kind = kind;
    this.reason = reason;
    this.quota = quota;
    this.zonesTried = List.copyOf(zonesTried);
  }

  /** Quota or stockout. */
  public Kind kind() {
    return kind;
  }

  /** GCE's reason, e.g. {@code QUOTA_EXCEEDED} or {@code ZONE_RESOURCE_POOL_EXHAUSTED}. */
  public String reason() {
    return reason;
  }

  /** The quota's name (e.g. {@code NVIDIA_L4_GPUS}), null when GCE did not name one. */
  public String quota() {
    return quota;
  }

  /** The zones tried, in order. */
  public List<String> zonesTried() {
    return zonesTried;
  }
}
