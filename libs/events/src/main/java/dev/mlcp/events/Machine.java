package dev.mlcp.events;

/**
 * The hardware a run asked for or got.
 *
 * @param machineType GCE machine type, e.g. {@code n1-standard-8}
 * @param acceleratorType GCE accelerator type, e.g. {@code nvidia-tesla-t4}; null for none
 * @param acceleratorCount number of accelerators; 0 for none
 * @param spot whether the VM is a Spot VM
 */
public record Machine(
    String machineType, String acceleratorType, int acceleratorCount, boolean spot) {
  public Machine {
    Fields.required(machineType, "machine.machineType");
    Fields.nonNegative(acceleratorCount, "machine.acceleratorCount");
    if (acceleratorCount > 0) {
      Fields.required(acceleratorType, "machine.acceleratorType");
    }
  }
}
