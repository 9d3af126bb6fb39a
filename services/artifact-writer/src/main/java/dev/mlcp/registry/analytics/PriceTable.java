package dev.mlcp.registry.analytics;

import dev.mlcp.events.Machine;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The configurable price table behind the {@code runs.cost_estimate_usd} column: USD per hour by
 * machine type and by accelerator type, and the Spot discount. A machine type missing from the
 * table has no estimate here (the run's own estimate from training-runner is kept instead): a
 * made-up figure would be worse than none.
 *
 * @param machinePerHour USD per hour of each machine type, e.g. {@code n1-standard-4 → 0.19}
 * @param acceleratorPerHour USD per hour of one accelerator, e.g. {@code nvidia-tesla-t4 → 0.35}
 * @param spotFactor what Spot costs relative to on-demand (0.35 = 65 % off)
 */
public record PriceTable(
    Map<String, Double> machinePerHour, Map<String, Double> acceleratorPerHour, double spotFactor) {
  public PriceTable {
    machinePerHour = Map.copyOf(machinePerHour);
    acceleratorPerHour = Map.copyOf(acceleratorPerHour);
    if (!(spotFactor > 0 && spotFactor <= 1)) {
      throw new IllegalArgumentException("spot factor must be in (0, 1], was " + spotFactor);
    }
  }

  /**
   * The estimated cost of running {@code machine} for {@code wallSeconds}, if the table knows it.
   */
  public OptionalDouble estimate(Machine machine, double wallSeconds) {
    if (machine == null) {
      return OptionalDouble.empty();
    }
    Double perHour = machinePerHour.get(machine.machineType());
    if (perHour == null) {
      return OptionalDouble.empty();
    }
    double total = perHour;
    if (machine.acceleratorCount() > 0) {
      Double gpu = acceleratorPerHour.get(machine.acceleratorType());
      if (gpu == null) {
        return OptionalDouble.empty();
      }
      total += gpu * machine.acceleratorCount();
    }
    double cost = total * wallSeconds / 3600.0 * (machine.spot() ? spotFactor : 1.0);
    return OptionalDouble.of(Math.round(cost * 1_000_000) / 1_000_000.0);
  }
}
