package dev.mlcp.experiments.notebooks;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rough cost of an experiment so far, from its shape, its running time and its disk's life, so a
 * developer sees what a forgotten notebook costs (disks bill while the VM is stopped). List prices
 * of us-central1 in USD (vCPU-hour and GB-hour by family, GPU-hour by type, pd-balanced GB-month)
 * with a flat Spot discount: an estimate, not a bill; Cloud Billing stays the truth.
 */
public final class Prices {
  private static final Map<String, double[]> FAMILY =
      Map.ofEntries(
          Map.entry("e2", new double[] {0.021811, 0.002923}),
          Map.entry("n1", new double[] {0.031611, 0.004237}),
          Map.entry("n2", new double[] {0.031611, 0.004237}),
          Map.entry("n2d", new double[] {0.027502, 0.003686}),
          Map.entry("n4", new double[] {0.030004, 0.004016}),
          Map.entry("c2", new double[] {0.03398, 0.00455}),
          Map.entry("c3", new double[] {0.03465, 0.00464}),
          Map.entry("g2", new double[] {0.024988, 0.002927}),
          Map.entry("a2", new double[] {0.031611, 0.004237}));

  private static final Map<String, Double> GPU =
      Map.of(
          "nvidia-tesla-t4", 0.35,
          "nvidia-tesla-p4", 0.60,
          "nvidia-tesla-v100", 2.48,
          "nvidia-tesla-a100", 2.93,
          "nvidia-l4", 0.56,
          "nvidia-h100-80gb", 11.06);

  /** pd-balanced, per GB-month (730 hours). */
  static final double DISK_GB_MONTH = 0.10;

  /** Spot VMs bill at roughly a third of on-demand. */
  static final double SPOT_FACTOR = 0.35;

  private static final Pattern PREDEFINED =
      Pattern.compile("([a-z0-9]+)-(standard|highmem|highcpu|highgpu|megagpu|ultragpu)-(\\d+)g?");

  private Prices() {}

  /** USD per running hour of the VM (machine and GPUs), 0 for shapes it does not know. */
  public static double perHour(VmShape shape) {
    double perHour = machinePerHour(shape.machineType());
    if (shape.acceleratorType() != null && shape.acceleratorCount() > 0) {
      perHour += GPU.getOrDefault(shape.acceleratorType(), 0.0) * shape.acceleratorCount();
    }
    return perHour * (shape.spot() ? SPOT_FACTOR : 1.0);
  }

  /** The estimated cost of {@code experiment} up to {@code now} (or its end). */
  public static double soFar(Experiment experiment, Instant now) {
    Instant end = experiment.endedAt() != null ? experiment.endedAt() : now;
    double running = experiment.runningSecondsAt(end) / 3600.0 * perHour(experiment.shape());
    double diskHours =
        Math.max(0, Duration.between(experiment.createdAt(), end).toSeconds()) / 3600.0;
    double disk = experiment.shape().diskGb() * DISK_GB_MONTH / 730.0 * diskHours;
    return Math.round((running + disk) * 10_000) / 10_000.0;
  }

  static double machinePerHour(String machineType) {
    if (machineType == null) {
      return 0;
    }
    switch (machineType) {
      case "e2-micro":
        return 0.0084;
      case "e2-small":
        return 0.0168;
      case "e2-medium":
        return 0.0335;
      default:
        break;
    }
    Matcher m = PREDEFINED.matcher(machineType);
    if (!m.matches()) {
      return 0;
    }
    String family = m.group(1);
    int n = Integer.parseInt(m.group(3));
    double[] p = FAMILY.get(family);
    if (p == null) {
      return 0;
    }
    if (family.equals("a2")) {
      return 12 * n * p[0] + 85.0 * n * p[1];
    }
    double gbPerCpu =
        switch (m.group(2)) {
          case "highmem" -> family.equals("n1") ? 6.5 : 8;
          case "highcpu" -> family.equals("n1") ? 0.9 : 1;
          default -> family.equals("n1") ? 3.75 : 4;
        };
    return n * p[0] + n * gbPerCpu * p[1];
  }
}
