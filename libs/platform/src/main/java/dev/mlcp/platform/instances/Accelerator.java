package dev.mlcp.platform.instances;

/**
 * GPUs attached to a VM.
 *
 * @param type accelerator type, e.g. {@code nvidia-l4}
 * @param count how many
 */
public record Accelerator(String type, int count) {
  /** Validates the count. */
  public Accelerator {
    if (type == null || type.isBlank() || count <= 0) {
      throw new IllegalArgumentException("accelerator needs a type and a positive count");
    }
  }
}
