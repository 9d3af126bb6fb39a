package dev.mlcp.training.runs.api;

import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.training.inputs.ResolvedInput;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunState;
import java.time.Instant;
import java.util.List;

/**
 * A run as the API shows it.
 *
 * @param id run id
 * @param name the spec's name
 * @param owner the owner's email
 * @param state current state
 * @param attempt current attempt, 1-based
 * @param spot whether the current attempt runs on Spot
 * @param instance the current attempt's VM
 * @param zone its zone
 * @param createdAt accepted at
 * @param updatedAt last change
 * @param startedAt the current attempt's VM started at
 * @param finishedAt ended at
 * @param deadline the VM is deleted after this whatever happens
 * @param exitCode the container's exit code
 * @param reason why it failed, was cancelled or retried
 * @param artifactUri the staged outputs
 * @param resourceUse what the container consumed
 * @param costEstimateUsd estimated compute cost
 * @param parentRunId the run that started this one
 * @param spec what was asked for
 * @param history every transition
 * @param inputs the inputs as resolved at submit (registry versions with their SHA-256, validated
 *     queries), which the VM materializes under {@code /inputs/<n>/}
 */
public record RunView(
    String id,
    String name,
    String owner,
    RunState state,
    int attempt,
    boolean spot,
    String instance,
    String zone,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt,
    Instant deadline,
    Integer exitCode,
    String reason,
    String artifactUri,
    ResourceUse resourceUse,
    double costEstimateUsd,
    String parentRunId,
    RunSpec spec,
    List<Run.Transition> history,
    List<ResolvedInput> inputs) {

  /** The view of {@code run}. */
  public static RunView of(Run run) {
    return new RunView(
        run.id(),
        run.spec().name(),
        run.owner(),
        run.state(),
        run.attempt(),
        run.spot(),
        run.instance(),
        run.zone(),
        run.createdAt(),
        run.updatedAt(),
        run.startedAt(),
        run.finishedAt(),
        run.deadline(),
        run.exitCode(),
        run.reason(),
        run.artifactUri(),
        run.resourceUse(),
        run.costEstimateUsd(),
        run.parentRunId(),
        run.spec(),
        run.history(),
        run.inputPlan());
  }

  /**
   * A page of runs.
   *
   * @param runs the runs
   * @param nextPageToken pass as {@code pageToken} for the next page; absent on the last
   */
  public record Page(List<RunView> runs, String nextPageToken) {}
}
