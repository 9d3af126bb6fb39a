package dev.mlcp.events;

import java.time.Instant;
import java.util.Map;

/**
 * {@code dev.mlcp.run.*.v1} on {@code run-events}: every state transition of a training run. Each
 * carries the run id, its owner and the attempt the transition belongs to.
 */
public sealed interface RunEvent extends MlcpEvent {
  /** The run, {@code run-<ulid>}. */
  String runId();

  /** Email of the run's owner. */
  String owner();

  /** The attempt (1-based) this transition belongs to. */
  int attempt();

  @Override
  default String subject() {
    return runId();
  }

  /** A VM is being created for the run. */
  record Provisioning(
      String runId, String owner, int attempt, String instance, String zone, Machine machine)
      implements RunEvent {
    public Provisioning {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(instance, "instance");
      Fields.required(zone, "zone");
    }
  }

  /** The run's VM exists and its agent is running the container. */
  record Running(
      String runId, String owner, int attempt, String instance, String zone, Instant startedAt)
      implements RunEvent {
    public Running {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(instance, "instance");
    }
  }

  /**
   * The container exited 0 and its outputs are staged; artifact-writer turns them into a model
   * version.
   *
   * @param name the run's name, the model name the registry files it under
   * @param artifactUri the staged outputs, {@code gs://…/staging/<run>/}
   * @param machine the hardware the run used
   * @param resourceUse what it consumed
   * @param costEstimateUsd estimated compute cost
   * @param labels the run's labels
   * @param provenance how the run was requested and what it read (null from producers before it was
   *     added)
   */
  record Succeeded(
      String runId,
      String owner,
      int attempt,
      String name,
      String image,
      String artifactUri,
      Machine machine,
      ResourceUse resourceUse,
      double costEstimateUsd,
      Instant startedAt,
      Instant finishedAt,
      Map<String, String> labels,
      RunProvenance provenance)
      implements RunEvent {
    public Succeeded {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(name, "name");
      Fields.uri(artifactUri, "artifactUri", "gs://");
      resourceUse = resourceUse == null ? ResourceUse.none() : resourceUse;
      labels = Fields.map(labels);
    }
  }

  /**
   * The run ended without success.
   *
   * @param exitCode the container's exit code, null when it never ran
   * @param reason what went wrong, in words a person can act on (GCE reason included)
   */
  record Failed(String runId, String owner, int attempt, Integer exitCode, String reason)
      implements RunEvent {
    public Failed {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(reason, "reason");
    }
  }

  /** Somebody cancelled the run; its VM is deleted. */
  record Cancelled(String runId, String owner, int attempt, String cancelledBy)
      implements RunEvent {
    public Cancelled {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(cancelledBy, "cancelledBy");
    }
  }

  /** The run's Spot VM was preempted. */
  record Preempted(String runId, String owner, int attempt, String instance, String zone)
      implements RunEvent {
    public Preempted {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(instance, "instance");
    }
  }

  /**
   * A new attempt is starting after a preemption or stockout.
   *
   * @param attempt the new attempt's number
   * @param reason why the previous attempt did not finish
   * @param spot whether the new attempt runs on Spot (false after an on-demand fallback)
   */
  record Retrying(String runId, String owner, int attempt, String reason, boolean spot)
      implements RunEvent {
    public Retrying {
      Fields.required(runId, "runId");
      Fields.required(owner, "owner");
      Fields.required(reason, "reason");
    }
  }
}
