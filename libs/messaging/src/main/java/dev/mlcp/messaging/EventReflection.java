package dev.mlcp.messaging;

import dev.mlcp.events.DeployEvent;
import dev.mlcp.events.DeployRequested;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.ExperimentEvent;
import dev.mlcp.events.Machine;
import dev.mlcp.events.ModelEvent;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.events.TrainingRequested;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers the event records (libs/events has no Quarkus dependency) for reflection, so Jackson
 * can read and write them in a native image.
 */
@RegisterForReflection(
    targets = {
      EventEnvelope.class,
      TrainingRequested.class,
      RunSpec.class,
      Machine.class,
      ResourceUse.class,
      RunEvent.Provisioning.class,
      RunEvent.Running.class,
      RunEvent.Succeeded.class,
      RunEvent.Failed.class,
      RunEvent.Cancelled.class,
      RunEvent.Preempted.class,
      RunEvent.Retrying.class,
      TrainingCompleted.class,
      ModelEvent.Registered.class,
      ModelEvent.Promoted.class,
      ModelEvent.Rejected.class,
      DeployRequested.class,
      DeployEvent.Started.class,
      DeployEvent.Progressed.class,
      DeployEvent.Succeeded.class,
      DeployEvent.Failed.class,
      DeployEvent.RolledBack.class,
      ExperimentEvent.Created.class,
      ExperimentEvent.Expiring.class,
      ExperimentEvent.Deleted.class,
      ExperimentEvent.Stopped.class,
      Problem.class,
    })
final class EventReflection {
  private EventReflection() {}
}
