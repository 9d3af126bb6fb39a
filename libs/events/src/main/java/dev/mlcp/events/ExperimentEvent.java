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
   * @param reason {@code requested} or {@code expired}
   */
  record Deleted(String name, String owner, String reason) implements ExperimentEvent {
    public Deleted {
      Fields.required(name, "name");
      Fields.required(owner, "owner");
      Fields.required(reason, "reason");
    }
  }
}
