package dev.mlcp.events;

/**
 * Every event mlcp publishes: a closed set, one record per {@link EventType}. Events carry
 * references (run ids, gs:// URIs, secret names), never secret values.
 */
public sealed interface MlcpEvent
    permits TrainingRequested,
        RunEvent,
        TrainingCompleted,
        ModelEvent,
        DeployRequested,
        DeployEvent,
        ExperimentEvent {

  /** The CloudEvents subject: run id, model name, service name or experiment name. */
  String subject();
}
