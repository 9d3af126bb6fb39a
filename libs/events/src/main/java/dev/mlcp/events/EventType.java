package dev.mlcp.events;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every CloudEvents {@code ce-type} mlcp knows, with its record and its topic. One place maps the
 * three, so producer and consumer cannot disagree.
 */
public enum EventType {
  TRAINING_REQUESTED(
      "dev.mlcp.training.requested.v1", TrainingRequested.class, Topics.TRAINING_REQUESTS),
  RUN_PROVISIONING("dev.mlcp.run.provisioning.v1", RunEvent.Provisioning.class, Topics.RUN_EVENTS),
  RUN_RUNNING("dev.mlcp.run.running.v1", RunEvent.Running.class, Topics.RUN_EVENTS),
  RUN_SUCCEEDED("dev.mlcp.run.succeeded.v1", RunEvent.Succeeded.class, Topics.RUN_EVENTS),
  RUN_FAILED("dev.mlcp.run.failed.v1", RunEvent.Failed.class, Topics.RUN_EVENTS),
  RUN_CANCELLED("dev.mlcp.run.cancelled.v1", RunEvent.Cancelled.class, Topics.RUN_EVENTS),
  RUN_PREEMPTED("dev.mlcp.run.preempted.v1", RunEvent.Preempted.class, Topics.RUN_EVENTS),
  RUN_RETRYING("dev.mlcp.run.retrying.v1", RunEvent.Retrying.class, Topics.RUN_EVENTS),
  TRAINING_COMPLETED(
      "dev.mlcp.training.completed.v1", TrainingCompleted.class, Topics.TRAINING_COMPLETED),
  MODEL_REGISTERED(
      "dev.mlcp.model.registered.v1", ModelEvent.Registered.class, Topics.MODEL_VERSIONS),
  MODEL_PROMOTED("dev.mlcp.model.promoted.v1", ModelEvent.Promoted.class, Topics.MODEL_VERSIONS),
  MODEL_REJECTED("dev.mlcp.model.rejected.v1", ModelEvent.Rejected.class, Topics.MODEL_VERSIONS),
  DEPLOY_REQUESTED("dev.mlcp.deploy.requested.v1", DeployRequested.class, Topics.DEPLOY_REQUESTS),
  DEPLOY_STARTED("dev.mlcp.deploy.started.v1", DeployEvent.Started.class, Topics.DEPLOY_EVENTS),
  DEPLOY_PROGRESSED(
      "dev.mlcp.deploy.progressed.v1", DeployEvent.Progressed.class, Topics.DEPLOY_EVENTS),
  DEPLOY_SUCCEEDED(
      "dev.mlcp.deploy.succeeded.v1", DeployEvent.Succeeded.class, Topics.DEPLOY_EVENTS),
  DEPLOY_FAILED("dev.mlcp.deploy.failed.v1", DeployEvent.Failed.class, Topics.DEPLOY_EVENTS),
  DEPLOY_ROLLED_BACK(
      "dev.mlcp.deploy.rolledback.v1", DeployEvent.RolledBack.class, Topics.DEPLOY_EVENTS),
  EXPERIMENT_CREATED(
      "dev.mlcp.experiment.created.v1", ExperimentEvent.Created.class, Topics.EXPERIMENT_EVENTS),
  EXPERIMENT_EXPIRING(
      "dev.mlcp.experiment.expiring.v1", ExperimentEvent.Expiring.class, Topics.EXPERIMENT_EVENTS),
  EXPERIMENT_DELETED(
      "dev.mlcp.experiment.deleted.v1", ExperimentEvent.Deleted.class, Topics.EXPERIMENT_EVENTS),
  EXPERIMENT_STOPPED(
      "dev.mlcp.experiment.stopped.v1", ExperimentEvent.Stopped.class, Topics.EXPERIMENT_EVENTS);

  private static final Map<String, EventType> BY_TYPE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(t -> t.type, t -> t));
  private static final Map<Class<?>, EventType> BY_CLASS =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(t -> t.recordClass, Function.identity()));

  private final String type;
  private final Class<? extends MlcpEvent> recordClass;
  private final String topic;

  EventType(String type, Class<? extends MlcpEvent> recordClass, String topic) {
    this.type = type;
    this.recordClass = recordClass;
    this.topic = topic;
  }

  /** The CloudEvents {@code ce-type}, e.g. {@code dev.mlcp.run.succeeded.v1}. */
  public String type() {
    return type;
  }

  /** The record the event's data decodes to. */
  public Class<? extends MlcpEvent> recordClass() {
    return recordClass;
  }

  /** The topic the event is published on. */
  public String topic() {
    return topic;
  }

  /** The type for a {@code ce-type} value. */
  public static EventType ofType(String type) {
    EventType t = BY_TYPE.get(type);
    if (t == null) {
      throw new UnknownEventTypeException(type);
    }
    return t;
  }

  /** The type of an event record. */
  public static EventType of(MlcpEvent event) {
    EventType t = BY_CLASS.get(event.getClass());
    if (t == null) {
      // Unreachable while every permitted record has a constant; the test enforces that.
      throw new IllegalStateException("no EventType for " + event.getClass().getName());
    }
    return t;
  }

  /** Every known {@code ce-type}, sorted. */
  public static List<String> knownTypes() {
    return BY_TYPE.keySet().stream().sorted().toList();
  }
}
