package dev.mlcp.events;

import java.time.Instant;

/**
 * {@code dev.mlcp.training.completed.v1}: published by the VM agent when the container has exited
 * and its outputs are uploaded, just before the VM deletes itself.
 *
 * @param runId the run
 * @param attempt which attempt of the run this VM served (1-based)
 * @param instance the VM's instance name
 * @param zone the VM's zone
 * @param exitCode the container's exit code; non-zero is a failed run
 * @param outputUri where the agent uploaded {@code /outputs} ({@code gs://…/staging/<run>/})
 * @param resourceUse what the container consumed
 * @param startedAt when the container started
 * @param finishedAt when the container exited
 * @param reason why the agent could not run the container (pull failed, secret missing); null when
 *     the container ran
 */
public record TrainingCompleted(
    String runId,
    int attempt,
    String instance,
    String zone,
    int exitCode,
    String outputUri,
    ResourceUse resourceUse,
    Instant startedAt,
    Instant finishedAt,
    String reason)
    implements MlcpEvent {
  public TrainingCompleted {
    Fields.required(runId, "runId");
    Fields.required(instance, "instance");
    Fields.optionalUri(outputUri, "outputUri", "gs://");
    resourceUse = resourceUse == null ? ResourceUse.none() : resourceUse;
  }

  @Override
  public String subject() {
    return runId;
  }

  /** Whether the training container ran and exited 0. */
  public boolean succeeded() {
    return exitCode == 0 && reason == null;
  }
}
