package dev.mlcp.platform.instances;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one table of Compute Engine list prices mlcp estimates with (training runs, notebook VMs, the
 * VMs page): on-demand prices of us-central1 in USD per vCPU-hour and GB-hour by machine family,
 * per GPU-hour by type, pd-balanced per GB-month, and a flat Spot discount. An estimate, not a
 * bill: the Cloud Billing export stays the truth. Shapes it does not know cost 0 rather than a
 * made-up figure.
 */
public final class ComputePrices {
  /** USD per vCPU-hour and per GB-hour of memory, by machine family. */
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
          Map.entry("a2", new double[] {0.031611, 0.004237}),
          Map.entry("a3", new double[] {0.031611, 0.004237}));

  /** USD per GPU-hour. */
  private static final Map<String, Double> GPU =
      Map.of(
          "nvidia-tesla-t4", 0.35,
          "nvidia-tesla-p4", 0.60,
          "nvidia-tesla-p100", 1.46,
          "nvidia-tesla-v100", 2.48,
          "nvidia-tesla-a100", 2.93,
          "nvidia-a100-80gb", 3.93,
          "nvidia-l4", 0.56,
          "nvidia-h100-80gb", 11.06,
          "nvidia-h100-mega-80gb", 11.06,
          "nvidia-h200-141gb", 12.0);

  /** pd-balanced, USD per GB-month (730 hours); disks bill while their VM is stopped. */
  public static final double DISK_GB_MONTH = 0.10;

  /** Spot VMs are billed at roughly a third of on-demand for the families mlcp uses. */
  public static final double SPOT_FACTOR = 0.35;

  private static final Pattern PREDEFINED =
      Pattern.compile("([a-z0-9]+)-(standard|highmem|highcpu|highgpu|megagpu|ultragpu)-(\\d+)g?");
  private static final Pattern CUSTOM = Pattern.compile("([a-z0-9]+)-custom-(\\d+)-(\\d+)(-ext)?");

  private ComputePrices() {}

  /** USD per running hour of a VM: machine plus accelerators, with the Spot discount. */
  public static double perHour(
      String machineType, String acceleratorType, int acceleratorCount, boolean spot) {
    double perHour = machinePerHour(machineType);
    if (acceleratorType != null && acceleratorCount > 0) {
      perHour += GPU.getOrDefault(acceleratorType, 0.0) * acceleratorCount;
    }
    return perHour * (spot ? SPOT_FACTOR : 1.0);
  }

  /** USD for {@code hours} of a {@code gb} pd-balanced disk. */
  public static double disk(double gb, double hours) {
    return gb * DISK_GB_MONTH / 730.0 * hours;
  }

  /** An amount rounded to 1/100 of a cent, as the APIs report estimates. */
  public static double round(double usd) {
    return Math.round(usd * 10_000) / 10_000.0;
  }

  /** USD per hour of the machine alone (no GPUs, no discount); 0 for unknown shapes. */
  public static double machinePerHour(String machineType) {
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
      case "f1-micro":
        return 0.0076;
      case "g1-small":
        return 0.0257;
      default:
        break;
    }
    Matcher custom = CUSTOM.matcher(machineType);
    if (custom.matches()) {
      return price(
          custom.group(1),
          Integer.parseInt(custom.group(2)),
          Integer.parseInt(custom.group(3)) / 1024.0);
    }
    Matcher m = PREDEFINED.matcher(machineType);
    if (!m.matches()) {
      return 0;
    }
    String family = m.group(1);
    int n = Integer.parseInt(m.group(3));
    if (family.equals("a2") || family.equals("a3")) {
      // a2/a3 shapes are named by GPU count: 12 vCPUs and 85 GB per GPU for a2-highgpu.
      return price(family, 12 * n, 85.0 * n);
    }
    double gbPerCpu =
        switch (m.group(2)) {
          case "highmem" -> family.equals("n1") ? 6.5 : 8;
          case "highcpu" -> family.equals("n1") ? 0.9 : 1;
          default -> family.equals("n1") ? 3.75 : 4;
        };
    return price(family, n, n * gbPerCpu);
  }

  private static double price(String family, int vcpus, double gb) {
    double[] p = FAMILY.get(family);
    return p == null ? 0 : vcpus * p[0] + gb * p[1];
  }
}
