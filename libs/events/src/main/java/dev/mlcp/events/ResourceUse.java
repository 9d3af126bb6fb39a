package dev.mlcp.events;

/**
 * What a run consumed, as measured by the VM agent.
 *
 * @param wallSeconds wall-clock seconds the container ran
 * @param cpuSeconds user + system CPU seconds of the container
 * @param maxRssBytes peak resident memory of the container
 * @param gpuSeconds accelerator-seconds (wall time × accelerators in use); 0 without one
 * @param inputBytes bytes of the run's inputs the agent materialized under {@code /inputs}
 */
public record ResourceUse(
    double wallSeconds, double cpuSeconds, long maxRssBytes, double gpuSeconds, long inputBytes) {
  public ResourceUse {
    Fields.nonNegative(wallSeconds, "resourceUse.wallSeconds");
    Fields.nonNegative(cpuSeconds, "resourceUse.cpuSeconds");
    Fields.nonNegative(maxRssBytes, "resourceUse.maxRssBytes");
    Fields.nonNegative(gpuSeconds, "resourceUse.gpuSeconds");
    Fields.nonNegative(inputBytes, "resourceUse.inputBytes");
  }

  /** What the container consumed, without inputs (the field that came later). */
  public ResourceUse(double wallSeconds, double cpuSeconds, long maxRssBytes, double gpuSeconds) {
    this(wallSeconds, cpuSeconds, maxRssBytes, gpuSeconds, 0);
  }

  /** Nothing measured. */
  public static ResourceUse none() {
    return new ResourceUse(0, 0, 0, 0, 0);
  }
}
