package dev.mlcp.events;

import java.time.Instant;

/** {@code dev.mlcp.experiment.*.v1} on {@code experiment-events}: notebook VM lifecycle. */
public sealed interface ExperimentEvent extends MlcpEvent {
  /** Experiment (and instance) name. */
  String name();

  /** Email of the owner. */
  String owner();

  @Override
  default String subject() {
    return name();
  }

  /** A notebook VM was created. */
  record Created(String name, String owner, String zone, String machineType, Instant expiresAt)
      implements ExperimentEvent {
    public Created {
      Fields.required(name, "name");
      Fields.required(owner, "owner");
      Fields.required(zone, "zone");
    }
  }

  /** A notebook VM will be deleted soon unless its owner extends it. */
  record Expiring(String name, String owner, Instant expiresAt) implements ExperimentEvent {
    public Expiring {
      Fields.required(name, "name");
      Fields.required(owner, "owner");
      Fields.required(expiresAt, "expiresAt");
    }
  }

  /**
   * A notebook VM was deleted.
   *
   * @param reason {@code requested}, {@code expired}, {@code stopped-too-long} or {@code gone}
   *     (deleted outside mlcp: its hard limit, a Spot preemption, a person)
   */
  record Deleted(String name, String owner, String reason) implements ExperimentEvent {
    public Deleted {
      Fields.required(name, "name");
      Fields.required(owner, "owner");
      Fields.required(reason, "reason");
    }
  }

  /**
   * A notebook VM was stopped (its disk is kept; it can be started again).
   *
   * @param reason {@code requested}, {@code idle} (the reaper, after the idle timeout) or {@code
   *     stopped-outside} (found stopped, e.g. shut down from inside)
   */
  record Stopped(String name, String owner, String reason) implements ExperimentEvent {
    public Stopped {
      Fields.required(name, "name");
      Fields.required(owner, "owner");
      Fields.required(reason, "reason");
    }
  }
}
