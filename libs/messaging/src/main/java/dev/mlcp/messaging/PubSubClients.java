package dev.mlcp.messaging;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.GoogleCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.arc.DefaultBean;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one place Pub/Sub clients are made: admin clients, one {@link Publisher} per topic and
 * streaming-pull {@link Subscriber}s, over a plaintext channel without credentials when {@code
 * mlcp.pubsub.emulator-host} is set and Google's default transport and credentials otherwise. All
 * are closed on shutdown. Creating a client makes no call, so the application starts while Pub/Sub
 * is unreachable.
 */
@Singleton
public class PubSubClients {
  private static final Logger LOG = Logger.getLogger(PubSubClients.class);

  private final PubSubConfig config;
  private final ManagedChannel emulatorChannel;
  private final TransportChannelProvider channelProvider;
  private final CredentialsProvider credentials;
  private final Map<String, Publisher> publishers = new ConcurrentHashMap<>();
  private TopicAdminClient topicAdmin;
  private SubscriptionAdminClient subscriptionAdmin;

  private final String projectId;

  /**
   * @param config Pub/Sub settings
   * @param projectId the project of every topic and subscription: {@code mlcp.project-id}, the one
   *     project key of every mlcp library
   */
  @Inject
  public PubSubClients(
      PubSubConfig config, @ConfigProperty(name = "mlcp.project-id") String projectId) {
    this.config = config;
    this.projectId = projectId;
    if (config.emulatorHost().isPresent()) {
      emulatorChannel =
          ManagedChannelBuilder.forTarget(config.emulatorHost().get()).usePlaintext().build();
      channelProvider =
          FixedTransportChannelProvider.create(GrpcTransportChannel.create(emulatorChannel));
      credentials = NoCredentialsProvider.create();
      LOG.infof("Pub/Sub emulator at %s, project %s", config.emulatorHost().get(), projectId());
    } else {
      emulatorChannel = null;
      channelProvider = null;
      credentials =
          GoogleCredentialsProvider.newBuilder()
              .setScopesToApply(TopicAdminSettings.getDefaultServiceScopes())
              .build();
    }
  }

  /** The project of every topic and subscription. */
  public String projectId() {
    return projectId;
  }

  /** {@code projects/<project>/topics/<topic>}. */
  public String topicPath(String topic) {
    return TopicName.of(projectId(), topic).toString();
  }

  /** {@code projects/<project>/subscriptions/<subscription>}. */
  public String subscriptionPath(String subscription) {
    return ProjectSubscriptionName.of(projectId(), subscription).toString();
  }

  /** The topic admin client. */
  public synchronized TopicAdminClient topicAdmin() {
    if (topicAdmin == null) {
      TopicAdminSettings.Builder settings =
          TopicAdminSettings.newBuilder().setCredentialsProvider(credentials);
      if (channelProvider != null) {
        settings.setTransportChannelProvider(channelProvider);
      }
      try {
        topicAdmin = TopicAdminClient.create(settings.build());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the Pub/Sub topic admin client", e);
      }
    }
    return topicAdmin;
  }

  /** The subscription admin client. */
  public synchronized SubscriptionAdminClient subscriptionAdmin() {
    if (subscriptionAdmin == null) {
      SubscriptionAdminSettings.Builder settings =
          SubscriptionAdminSettings.newBuilder().setCredentialsProvider(credentials);
      if (channelProvider != null) {
        settings.setTransportChannelProvider(channelProvider);
      }
      try {
        subscriptionAdmin = SubscriptionAdminClient.create(settings.build());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the Pub/Sub subscription admin client", e);
      }
    }
    return subscriptionAdmin;
  }

  /** Topic admin client as a bean, for services that need one. */
  @Produces
  @Singleton
  @DefaultBean
  TopicAdminClient produceTopicAdmin() {
    return topicAdmin();
  }

  /** Subscription admin client as a bean, for services that need one. */
  @Produces
  @Singleton
  @DefaultBean
  SubscriptionAdminClient produceSubscriptionAdmin() {
    return subscriptionAdmin();
  }

  /**
   * The publisher of {@code topic}, made on first use with {@code settings} applied to the builder;
   * later calls for the same topic return the same publisher.
   */
  public Publisher publisher(String topic, UnaryOperator<Publisher.Builder> settings) {
    return publishers.computeIfAbsent(
        topic,
        t -> {
          Publisher.Builder builder =
              Publisher.newBuilder(topicPath(t)).setCredentialsProvider(credentials);
          if (channelProvider != null) {
            builder.setChannelProvider(channelProvider);
          }
          try {
            return settings.apply(builder).build();
          } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Pub/Sub publisher of " + t, e);
          }
        });
  }

  /**
   * A streaming-pull subscriber of {@code subscription} with {@code settings} applied; the caller
   * starts and stops it.
   */
  public Subscriber subscriber(
      String subscription, MessageReceiver receiver, UnaryOperator<Subscriber.Builder> settings) {
    Subscriber.Builder builder =
        Subscriber.newBuilder(subscriptionPath(subscription), receiver)
            .setCredentialsProvider(credentials);
    if (channelProvider != null) {
      builder.setChannelProvider(channelProvider);
    }
    return settings.apply(builder).build();
  }

  @PreDestroy
  synchronized void close() {
    publishers.values().forEach(Publisher::shutdown);
    for (Publisher publisher : publishers.values()) {
      try {
        publisher.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    publishers.clear();
    if (topicAdmin != null) {
      topicAdmin.close();
    }
    if (subscriptionAdmin != null) {
      subscriptionAdmin.close();
    }
    if (emulatorChannel != null) {
      emulatorChannel.shutdownNow();
    }
  }
}
