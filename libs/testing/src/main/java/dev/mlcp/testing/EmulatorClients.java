package dev.mlcp.testing;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcCallContext;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.PullRequest;
import com.google.pubsub.v1.PullResponse;
import com.google.pubsub.v1.PushConfig;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.TopicName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Plain google-cloud-pubsub clients bound to an emulator (plaintext channel, no credentials), with
 * the few operations tests need: create topics and pull/push subscriptions (optionally with a
 * dead-letter policy), publish, and receive by unary pull.
 */
public final class EmulatorClients implements AutoCloseable {
  private final String projectId;
  private final ManagedChannel channel;
  private final TransportChannelProvider channelProvider;
  private final CredentialsProvider credentials = NoCredentialsProvider.create();
  private final TopicAdminClient topics;
  private final SubscriptionAdminClient subscriptions;

  EmulatorClients(String hostPort, String projectId) {
    this.projectId = projectId;
    this.channel = ManagedChannelBuilder.forTarget(hostPort).usePlaintext().build();
    this.channelProvider =
        FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
    try {
      this.topics =
          TopicAdminClient.create(
              TopicAdminSettings.newBuilder()
                  .setTransportChannelProvider(channelProvider)
                  .setCredentialsProvider(credentials)
                  .build());
      this.subscriptions =
          SubscriptionAdminClient.create(
              SubscriptionAdminSettings.newBuilder()
                  .setTransportChannelProvider(channelProvider)
                  .setCredentialsProvider(credentials)
                  .build());
    } catch (IOException e) {
      channel.shutdownNow();
      throw new UncheckedIOException(e);
    }
  }

  /** The project the names below live in. */
  public String projectId() {
    return projectId;
  }

  /** The plaintext channel to the emulator, for clients built by the caller. */
  public TransportChannelProvider channelProvider() {
    return channelProvider;
  }

  /** No credentials: the emulator takes none. */
  public CredentialsProvider credentialsProvider() {
    return credentials;
  }

  /** The topic admin client. */
  public TopicAdminClient topicAdmin() {
    return topics;
  }

  /** The subscription admin client. */
  public SubscriptionAdminClient subscriptionAdmin() {
    return subscriptions;
  }

  /** {@code projects/<project>/topics/<topic>}. */
  public String topicPath(String topic) {
    return TopicName.of(projectId, topic).toString();
  }

  /** {@code projects/<project>/subscriptions/<subscription>}. */
  public String subscriptionPath(String subscription) {
    return ProjectSubscriptionName.of(projectId, subscription).toString();
  }

  /** Creates {@code topic}. */
  public void createTopic(String topic) {
    topics.createTopic(topicPath(topic));
  }

  /** Deletes {@code topic}. */
  public void deleteTopic(String topic) {
    topics.deleteTopic(topicPath(topic));
  }

  /** Creates a pull subscription without dead-lettering. */
  public void createPullSubscription(String subscription, String topic) {
    subscriptions.createSubscription(base(subscription, topic).build());
  }

  /**
   * Creates a pull subscription that moves a message to {@code deadLetterTopic} after {@code
   * maxDeliveryAttempts} deliveries.
   */
  public void createPullSubscription(
      String subscription, String topic, String deadLetterTopic, int maxDeliveryAttempts) {
    subscriptions.createSubscription(
        base(subscription, topic)
            .setDeadLetterPolicy(deadLetter(deadLetterTopic, maxDeliveryAttempts))
            .build());
  }

  /**
   * Creates a push subscription delivering to {@code endpoint}; with a non-null {@code
   * deadLetterTopic}, dead-letters after {@code maxDeliveryAttempts}.
   */
  public void createPushSubscription(
      String subscription,
      String topic,
      String endpoint,
      String deadLetterTopic,
      int maxDeliveryAttempts) {
    Subscription.Builder builder =
        base(subscription, topic).setPushConfig(PushConfig.newBuilder().setPushEndpoint(endpoint));
    if (deadLetterTopic != null) {
      builder.setDeadLetterPolicy(deadLetter(deadLetterTopic, maxDeliveryAttempts));
    }
    subscriptions.createSubscription(builder.build());
  }

  /** Deletes {@code subscription}. */
  public void deleteSubscription(String subscription) {
    subscriptions.deleteSubscription(subscriptionPath(subscription));
  }

  /** Publishes one message and returns its id once the emulator accepted it. */
  public String publish(String topic, byte[] data, Map<String, String> attributes) {
    Publisher publisher;
    try {
      publisher = publisherBuilder(topic).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return publisher
          .publish(
              PubsubMessage.newBuilder()
                  .setData(ByteString.copyFrom(data))
                  .putAllAttributes(attributes)
                  .build())
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("publish to " + topic + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      shutdown(publisher);
    }
  }

  /** Publishes UTF-8 {@code data} without attributes. */
  public String publish(String topic, String data) {
    return publish(topic, data.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /**
   * Receives and acks up to {@code count} messages by unary pull, waiting at most {@code timeout};
   * returns what arrived (fewer on timeout). Unary, not streaming: the client library's streaming
   * pull closes idle streams on the emulator and loses what is delivered to them (see
   * mlcp-messaging's PullChannel).
   */
  public List<PubsubMessage> receive(String subscription, int count, Duration timeout) {
    List<PubsubMessage> received = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (received.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      PullRequest request =
          PullRequest.newBuilder()
              .setSubscription(subscriptionPath(subscription))
              .setMaxMessages(count - received.size())
              .setReturnImmediately(false)
              .build();
      PullResponse response;
      try {
        response =
            subscriptions
                .pullCallable()
                .call(
                    request,
                    GrpcCallContext.createDefault()
                        .withTimeoutDuration(Duration.ofNanos(Math.max(left, 1_000_000))));
      } catch (DeadlineExceededException e) {
        break;
      }
      List<String> ackIds = new ArrayList<>();
      for (ReceivedMessage message : response.getReceivedMessagesList()) {
        received.add(message.getMessage());
        ackIds.add(message.getAckId());
      }
      if (!ackIds.isEmpty()) {
        subscriptions.acknowledge(subscriptionPath(subscription), ackIds);
      }
    }
    return List.copyOf(received);
  }

  /** A publisher builder for {@code topic} on the emulator. */
  public Publisher.Builder publisherBuilder(String topic) {
    return Publisher.newBuilder(topicPath(topic))
        .setChannelProvider(channelProvider)
        .setCredentialsProvider(credentials);
  }

  /** A streaming-pull subscriber builder for {@code subscription} on the emulator. */
  public Subscriber.Builder subscriberBuilder(
      String subscription, com.google.cloud.pubsub.v1.MessageReceiver receiver) {
    return Subscriber.newBuilder(subscriptionPath(subscription), receiver)
        .setChannelProvider(channelProvider)
        .setCredentialsProvider(credentials);
  }

  private Subscription.Builder base(String subscription, String topic) {
    return Subscription.newBuilder()
        .setName(subscriptionPath(subscription))
        .setTopic(topicPath(topic))
        .setAckDeadlineSeconds(10);
  }

  private DeadLetterPolicy deadLetter(String deadLetterTopic, int maxDeliveryAttempts) {
    return DeadLetterPolicy.newBuilder()
        .setDeadLetterTopic(topicPath(deadLetterTopic))
        .setMaxDeliveryAttempts(maxDeliveryAttempts)
        .build();
  }

  private static void shutdown(Publisher publisher) {
    publisher.shutdown();
    try {
      publisher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    topics.close();
    subscriptions.close();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
