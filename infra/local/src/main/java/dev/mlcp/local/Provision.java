package dev.mlcp.local;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.TopicName;
import dev.mlcp.events.Subscriptions;
import dev.mlcp.events.Topics;
import dev.mlcp.messaging.PubSubSetup;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Creates mlcp's topics, dead-letter topics and subscriptions on the Pub/Sub emulator exactly as
 * the cloud setup does, from the one definition in {@link Topics} and {@link Subscriptions}.
 *
 * <p>Every subscription gets a dead-letter policy ({@link Topics#MAX_DELIVERY_ATTEMPTS}). A
 * subscription whose consuming service declares the channel ({@code
 * mp.messaging.incoming.<channel>} in its {@code application.properties}) pushes to {@code
 * http://127.0.0.1:<port>/pubsub/push/<channel>}; one whose service does not declare it yet is
 * created without a push endpoint (pull), so that its messages wait instead of being pushed to a
 * 404 and dead-lettered; a later run of this tool switches it to push once the channel exists.
 * Idempotent: existing topics and subscriptions are kept, push endpoints are updated.
 *
 * <p>Usage: {@code Provision <emulator host:port> <project> <repo dir> <service>=<port>...}
 */
public final class Provision {

  private static final Logger LOG = Logger.getLogger(Provision.class.getName());

  /** One subscription with where it delivers; {@code pushEndpoint} null means pull. */
  record Plan(Subscriptions.Subscription subscription, String pushEndpoint) {}

  private Provision() {}

  /** Entry point; exits non-zero with a message when the emulator cannot be provisioned. */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      throw new IllegalArgumentException(
          "usage: Provision <emulator host:port> <project> <repo dir> <service>=<port>...");
    }
    Map<String, Integer> ports = new HashMap<>();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      ports.put(kv[0], Integer.parseInt(kv[1]));
    }
    List<Plan> plans = plan(Path.of(args[2]), ports);
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    try {
      provision(channel, args[1], plans);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Where each subscription of {@link Subscriptions#ALL} delivers, given the services' ports. */
  static List<Plan> plan(Path repo, Map<String, Integer> ports) {
    return Subscriptions.ALL.stream()
        .map(
            s -> {
              Integer port = ports.get(s.service());
              boolean declared =
                  port != null && declaredIncoming(repo, s.service()).contains(s.channel());
              return new Plan(s, declared ? "http://127.0.0.1:" + port + s.pushPath() : null);
            })
        .toList();
  }

  /** The incoming channels {@code service} declares in its application.properties. */
  static List<String> declaredIncoming(Path repo, String service) {
    Path file =
        repo.resolve("services")
            .resolve(service)
            .resolve("src/main/resources/application.properties");
    Properties props = new Properties();
    if (Files.isRegularFile(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        props.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    String prefix = "mp.messaging.incoming.";
    return props.stringPropertyNames().stream()
        .filter(k -> k.startsWith(prefix) && k.endsWith(".connector"))
        .map(k -> k.substring(prefix.length(), k.length() - ".connector".length()))
        .distinct()
        .toList();
  }

  static void provision(ManagedChannel channel, String project, List<Plan> plans)
      throws IOException {
    TransportChannelProvider transport =
        FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
    TopicAdminSettings topicSettings =
        TopicAdminSettings.newBuilder()
            .setTransportChannelProvider(transport)
            .setCredentialsProvider(NoCredentialsProvider.create())
            .build();
    SubscriptionAdminSettings subscriptionSettings =
        SubscriptionAdminSettings.newBuilder()
            .setTransportChannelProvider(transport)
            .setCredentialsProvider(NoCredentialsProvider.create())
            .build();
    try (TopicAdminClient topics = TopicAdminClient.create(topicSettings);
        SubscriptionAdminClient subscriptions =
            SubscriptionAdminClient.create(subscriptionSettings)) {
      for (String topic : Topics.ALL) {
        createTopic(topics, TopicName.of(project, topic));
        createTopic(topics, TopicName.of(project, Topics.deadLetterOf(topic)));
      }
      for (Plan plan : plans) {
        createSubscription(subscriptions, project, plan);
      }
    }
  }

  private static void createTopic(TopicAdminClient topics, TopicName name) {
    boolean created = PubSubSetup.ensureTopic(topics, name.getProject(), name.getTopic());
    LOG.info("topic " + name.getTopic() + (created ? " created" : " exists"));
  }

  private static void createSubscription(
      SubscriptionAdminClient subscriptions, String project, Plan plan) {
    Subscriptions.Subscription s = plan.subscription();
    String where =
        plan.pushEndpoint() == null
            ? "pull (channel not declared yet)"
            : "push " + plan.pushEndpoint();
    // Ports may differ from the last `up`: an existing subscription is pointed at this one.
    boolean created =
        PubSubSetup.ensureSubscription(
            subscriptions,
            PubSubSetup.subscription(project, s.name(), s.topic(), plan.pushEndpoint(), false));
    LOG.info("subscription " + s.name() + (created ? " created: " : " exists: ") + where);
  }
}
