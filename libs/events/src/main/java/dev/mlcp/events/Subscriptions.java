package dev.mlcp.events;

import java.util.List;

/**
 * Every Pub/Sub subscription of mlcp: which service consumes which topic on which channel. The one
 * definition the emulator provisioning, the local launcher and the Terraform policy test read; push
 * subscriptions deliver to {@code /pubsub/push/<channel>} of the service.
 */
public final class Subscriptions {

  /**
   * One subscription.
   *
   * @param name subscription id, {@code <service>.<topic>}
   * @param topic the topic it reads
   * @param service the consuming service
   * @param channel the service's incoming channel (and push path segment)
   */
  public record Subscription(String name, String topic, String service, String channel) {
    /** The push endpoint path on the consuming service. */
    public String pushPath() {
      return "/pubsub/push/" + channel;
    }
  }

  public static final String TRAINING_RUNNER = "training-runner";
  public static final String ARTIFACT_WRITER = "artifact-writer";
  public static final String SERVING_DEPLOYER = "serving-deployer";
  public static final String EXPERIMENT_VM = "experiment-vm";

  /** Every subscription. */
  public static final List<Subscription> ALL =
      List.of(
          of(TRAINING_RUNNER, Topics.TRAINING_REQUESTS),
          of(TRAINING_RUNNER, Topics.TRAINING_COMPLETED),
          of(ARTIFACT_WRITER, Topics.RUN_EVENTS),
          of(SERVING_DEPLOYER, Topics.MODEL_VERSIONS),
          of(SERVING_DEPLOYER, Topics.DEPLOY_REQUESTS),
          of(ARTIFACT_WRITER, Topics.DEPLOY_EVENTS));

  private Subscriptions() {}

  /** The subscriptions {@code service} consumes. */
  public static List<Subscription> of(String service) {
    return ALL.stream().filter(s -> s.service().equals(service)).toList();
  }

  private static Subscription of(String service, String topic) {
    return new Subscription(service + "." + topic, topic, service, topic);
  }
}
