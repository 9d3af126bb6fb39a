package dev.mlcp.events;

import java.util.List;

/**
 * Pub/Sub topic names. Each topic has a dead-letter twin named {@code <topic>-dead-letter}; the one
 * list here is what provisioning (emulator, local launcher) and Terraform tests read.
 */
public final class Topics {
  public static final String TRAINING_REQUESTS = "training-requests";
  public static final String RUN_EVENTS = "run-events";
  public static final String TRAINING_COMPLETED = "training-completed";
  public static final String MODEL_VERSIONS = "model-versions";
  public static final String DEPLOY_REQUESTS = "deploy-requests";
  public static final String DEPLOY_EVENTS = "deploy-events";
  public static final String EXPERIMENT_EVENTS = "experiment-events";

  /** Suffix of every topic's dead-letter topic. */
  public static final String DEAD_LETTER_SUFFIX = "-dead-letter";

  /** Delivery attempts before Pub/Sub moves a message to the dead-letter topic. */
  public static final int MAX_DELIVERY_ATTEMPTS = 5;

  /** Every topic, in the order of the table in docs/architecture.md. */
  public static final List<String> ALL =
      List.of(
          TRAINING_REQUESTS,
          RUN_EVENTS,
          TRAINING_COMPLETED,
          MODEL_VERSIONS,
          DEPLOY_REQUESTS,
          DEPLOY_EVENTS,
          EXPERIMENT_EVENTS);

  private Topics() {}

  /** The dead-letter topic of {@code topic}. */
  public static String deadLetterOf(String topic) {
    return topic + DEAD_LETTER_SUFFIX;
  }
}
