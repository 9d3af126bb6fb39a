package dev.mlcp.messaging;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.TopicName;
import dev.mlcp.events.Topics;

/**
 * The one definition of how mlcp's topics and subscriptions look when mlcp creates them (the
 * connector's provisioning in tests and local mode, the local launcher): every topic has its {@code
 * -dead-letter} twin, every subscription a dead-letter policy of {@link
 * Topics#MAX_DELIVERY_ATTEMPTS} attempts. Terraform creates the same in the cloud (its policy test
 * checks it against {@link dev.mlcp.events.Subscriptions}).
 */
public final class PubSubSetup {
  /** Ack deadline of mlcp's subscriptions; pull channels extend leases while handlers run. */
  public static final int ACK_DEADLINE_SECONDS = 60;

  private PubSubSetup() {}

  /**
   * The subscription {@code name} of {@code topic}.
   *
   * @param pushEndpoint where it pushes, null for a pull subscription
   * @param ordering whether it delivers in ordering-key order
   */
  public static Subscription subscription(
      String project, String name, String topic, String pushEndpoint, boolean ordering) {
    Subscription.Builder subscription =
        Subscription.newBuilder()
            .setName(ProjectSubscriptionName.of(project, name).toString())
            .setTopic(TopicName.of(project, topic).toString())
            .setAckDeadlineSeconds(ACK_DEADLINE_SECONDS)
            .setEnableMessageOrdering(ordering)
            .setDeadLetterPolicy(
                DeadLetterPolicy.newBuilder()
                    .setDeadLetterTopic(
                        TopicName.of(project, Topics.deadLetterOf(topic)).toString())
                    .setMaxDeliveryAttempts(Topics.MAX_DELIVERY_ATTEMPTS));
    if (pushEndpoint != null) {
      subscription.setPushConfig(PushConfig.newBuilder().setPushEndpoint(pushEndpoint));
    }
    return subscription.build();
  }

  /**
   * Creates {@code topic} unless it exists.
   *
   * @return whether this call created it
   */
  public static boolean ensureTopic(TopicAdminClient topics, String project, String topic) {
    try {
      topics.createTopic(TopicName.of(project, topic));
      return true;
    } catch (AlreadyExistsException e) {
      return false; // made by another instance, Terraform or the launcher: that is the goal
    }
  }

  /**
   * Creates {@code subscription}, or, when it exists, points its push endpoint where {@code
   * subscription} says (ports change between local runs).
   *
   * @return whether this call created it
   */
  public static boolean ensureSubscription(
      SubscriptionAdminClient subscriptions, Subscription subscription) {
    try {
      subscriptions.createSubscription(subscription);
      return true;
    } catch (AlreadyExistsException e) {
      subscriptions.modifyPushConfig(subscription.getName(), subscription.getPushConfig());
      return false;
    }
  }
}
