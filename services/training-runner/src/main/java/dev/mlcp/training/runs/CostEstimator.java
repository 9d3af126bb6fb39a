package dev.mlcp.training.runs;

import dev.mlcp.platform.instances.ComputePrices;

/**
 * A rough compute-cost estimate of a run from its shape and wall time, so teams see what a run cost
 * next to its metrics: list prices from {@link ComputePrices} (the table notebook VMs are priced
 * with too). An estimate, not a bill: the Cloud Billing export stays the truth.
 */
public final class CostEstimator {

  private CostEstimator() {}

  /**
   * Estimated USD for running {@code machineType} (plus accelerators) for {@code wallSeconds}.
   * Unknown shapes cost 0 rather than a made-up figure.
   */
  public static double estimate(
      String machineType,
      String acceleratorType,
      int acceleratorCount,
      boolean spot,
      double wallSeconds) {
    double perHour = ComputePrices.perHour(machineType, acceleratorType, acceleratorCount, spot);
    return ComputePrices.round(perHour * wallSeconds / 3600.0);
  }
}
