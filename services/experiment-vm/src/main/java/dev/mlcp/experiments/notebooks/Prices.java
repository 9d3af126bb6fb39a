package dev.mlcp.experiments.notebooks;

import dev.mlcp.platform.instances.ComputePrices;
import java.time.Duration;
import java.time.Instant;

/**
 * A rough cost of an experiment so far, from its shape, its running time and its disk's life, so a
 * developer sees what a forgotten notebook costs (disks bill while the VM is stopped). List prices
 * from {@link ComputePrices}, the table training runs are priced with: an estimate, not a bill;
 * Cloud Billing stays the truth.
 */
public final class Prices {

  private Prices() {}

  /** USD per running hour of the VM (machine and GPUs), 0 for shapes it does not know. */
  public static double perHour(VmShape shape) {
    return ComputePrices.perHour(
        shape.machineType(), shape.acceleratorType(), shape.acceleratorCount(), shape.spot());
  }

  /** The estimated cost of {@code experiment} up to {@code now} (or its end). */
  public static double soFar(Experiment experiment, Instant now) {
    Instant end = experiment.endedAt() != null ? experiment.endedAt() : now;
    double running = experiment.runningSecondsAt(end) / 3600.0 * perHour(experiment.shape());
    double diskHours =
        Math.max(0, Duration.between(experiment.createdAt(), end).toSeconds()) / 3600.0;
    return ComputePrices.round(
        running + ComputePrices.disk(experiment.shape().diskGb(), diskHours));
  }
}
