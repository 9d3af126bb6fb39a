package dev.mlcp.training.runs;

import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.TrainingCompleted;
import java.time.Instant;

/**
 * What a VM agent reported about an attempt, reduced to what the run may believe: the output
 * location is not taken from the report (training-runner derives it), and the instance and attempt
 * are checked against the run's own.
 *
 * @param eventId the completion's {@code ce-id}
 * @param attempt the attempt the agent served
 * @param instance the agent's instance
 * @param zone the agent's zone
 * @param exitCode the container's exit code
 * @param resourceUse what the container consumed
 * @param startedAt container start
 * @param finishedAt container end
 * @param reason why the container did not run or its outputs did not upload, else null
 */
public record CompletionReport(
    String eventId,
    int attempt,
    String instance,
    String zone,
    int exitCode,
    ResourceUse resourceUse,
    Instant startedAt,
    Instant finishedAt,
    String reason) {

  /** The report in a completion event. */
  public static CompletionReport of(String eventId, TrainingCompleted done) {
    return new CompletionReport(
        eventId,
        done.attempt(),
        done.instance(),
        done.zone(),
        done.exitCode(),
        done.resourceUse(),
        done.startedAt(),
        done.finishedAt(),
        done.reason());
  }

  /** Whether the container ran, exited 0 and its outputs were uploaded. */
  public boolean succeeded() {
    return exitCode == 0 && reason == null;
  }
}
