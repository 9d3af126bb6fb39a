package dev.mlcp.messaging;

import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING;
import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING_AND_OUTGOING;
import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.OUTGOING;

import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.ReceivedMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventType;
import dev.mlcp.events.Subscriptions;
import dev.mlcp.events.Topics;
import dev.mlcp.events.UnknownEventTypeException;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.health.HealthReporter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * SmallRye Reactive Messaging connector {@code mlcp-pubsub} over the google-cloud-pubsub client.
 * Outgoing channels publish through one batching {@link Publisher} per topic; incoming channels
 * either stream-pull a subscription ({@code mode=pull}) or receive the pushes that {@code POST
 * /pubsub/push/<channel>} gets ({@code mode=push}). Payloads are {@code byte[]} (outgoing also
 * {@code String}); Pub/Sub attributes travel in {@link PubSubOutgoingMetadata} and {@link
 * PubSubIncomingMetadata}.
 */
@ApplicationScoped
@Connector(PubSubConnector.NAME)
@ConnectorAttribute(
    name = "topic",
    type = "string",
    direction = INCOMING_AND_OUTGOING,
    description =
        "Pub/Sub topic id; defaults to the topic of the channel's entry in"
            + " dev.mlcp.events.Subscriptions, else the channel name")
@ConnectorAttribute(
    name = "subscription",
    type = "string",
    direction = INCOMING,
    description =
        "Subscription id for mode=pull; defaults to the channel's entry in"
            + " dev.mlcp.events.Subscriptions")
@ConnectorAttribute(
    name = "mode",
    type = "string",
    direction = INCOMING,
    description = "pull (unary long-poll pull) or push (POST /pubsub/push/<channel>)",
    defaultValue = "pull")
@ConnectorAttribute(
    name = "ordering",
    type = "boolean",
    direction = INCOMING_AND_OUTGOING,
    description = "Publish with ordering keys / provision an ordered subscription",
    defaultValue = "false")
@ConnectorAttribute(
    name = "max-outstanding-messages",
    type = "long",
    direction = INCOMING,
    description = "Flow control: unacked messages held at once",
    defaultValue = "1000")
@ConnectorAttribute(
    name = "max-outstanding-bytes",
    type = "long",
    direction = INCOMING,
    description = "Flow control: unacked bytes held at once",
    defaultValue = "104857600")
@ConnectorAttribute(
    name = "parallel-pull-count",
    type = "int",
    direction = INCOMING,
    description = "Long-poll pull calls in flight at once",
    defaultValue = "2")
@ConnectorAttribute(
    name = "ack-deadline-seconds",
    type = "int",
    direction = INCOMING,
    description = "Ack deadline each lease extension sets (provisioned subscriptions have 60 s)",
    defaultValue = "30")
@ConnectorAttribute(
    name = "max-lease-seconds",
    type = "int",
    direction = INCOMING,
    description = "Longest a pulled message is kept leased while its handler runs",
    defaultValue = "600")
@ConnectorAttribute(
    name = "payload",
    type = "string",
    direction = INCOMING,
    description =
        "event: decode CloudEvents into mlcp event records (handlers take the record, e.g."
            + " TrainingCompleted, plus IncomingEvent metadata); bytes: raw Pub/Sub data",
    defaultValue = "event")
@ConnectorAttribute(
    name = "event-types",
    type = "string",
    direction = INCOMING,
    description =
        "Comma-separated ce-types handed to the handler (payload=event); others are acked and"
            + " skipped. Empty: every type")
@ConnectorAttribute(
    name = "batch-max-messages",
    type = "long",
    direction = OUTGOING,
    description = "Batching: messages per publish request",
    defaultValue = "100")
@ConnectorAttribute(
    name = "batch-max-bytes",
    type = "long",
    direction = OUTGOING,
    description = "Batching: bytes per publish request",
    defaultValue = "1000000")
@ConnectorAttribute(
    name = "batch-delay-ms",
    type = "long",
    direction = OUTGOING,
    description = "Batching: longest wait before a partial batch is sent",
    defaultValue = "10")
@ConnectorAttribute(
    name = "publish-timeout-ms",
    type = "long",
    direction = OUTGOING,
    description = "Total time (retries included, at least 10000) before a publish fails",
    defaultValue = "60000")
@ConnectorAttribute(
    name = "max-in-flight",
    type = "int",
    direction = OUTGOING,
    description = "Messages being published at once",
    defaultValue = "1000")
public class PubSubConnector implements InboundConnector, OutboundConnector, HealthReporter {
  /** The connector name used in {@code mp.messaging.*.connector}. */
  public static final String NAME = "mlcp-pubsub";

  private final PubSubClients clients;
  private final Provisioner provisioner;
  private final ChannelRegistry channels;
  private final PubSubConfig config;
  private final CloudEventCodec codec;

  @Inject
  public PubSubConnector(
      PubSubClients clients,
      Provisioner provisioner,
      ChannelRegistry channels,
      PubSubConfig config,
      CloudEventCodec codec) {
    this.clients = clients;
    this.provisioner = provisioner;
    this.channels = channels;
    this.config = config;
    this.codec = codec;
  }

  @Override
  public Flow.Publisher<? extends Message<?>> getPublisher(Config channelConfig) {
    ChannelSettings settings = new ChannelSettings(channelConfig, "incoming");
    String mode = settings.string("mode", "pull");
    return switch (mode) {
      case "pull" -> pull(settings);
      case "push" -> push(settings);
      default ->
          throw new IllegalArgumentException(
              settings.key("mode") + " must be pull or push, was '" + mode + "'");
    };
  }

  private Flow.Publisher<? extends Message<?>> pull(ChannelSettings settings) {
    Optional<Subscriptions.Subscription> known = known(settings.channel());
    String subscription =
        settings
            .optional("subscription")
            .or(() -> known.map(Subscriptions.Subscription::name))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        settings.key("subscription")
                            + " is required by "
                            + NAME
                            + " in mode=pull (no subscription in dev.mlcp.events.Subscriptions"
                            + " has channel '"
                            + settings.channel()
                            + "')"));
    String topic =
        settings
            .optional("topic")
            .or(() -> known.map(Subscriptions.Subscription::topic))
            .orElse(settings.channel());
    channels.topic(settings.channel(), topic);
    Provisioner.SubscriptionSpec spec =
        new Provisioner.SubscriptionSpec(subscription, topic, settings.bool("ordering", false));
    int maxOutstanding =
        (int) Math.min(Integer.MAX_VALUE, settings.longValue("max-outstanding-messages", 1000));
    PullChannel.Settings pull =
        new PullChannel.Settings(
            subscription,
            Math.max(1, maxOutstanding),
            Math.max(1, settings.integer("parallel-pull-count", 2)),
            Duration.ofSeconds(Math.max(10, settings.integer("ack-deadline-seconds", 30))),
            Duration.ofSeconds(Math.max(10, settings.integer("max-lease-seconds", 600))));
    PullChannel channel =
        new PullChannel(
            settings.channel(),
            pull,
            clients.subscriptionPath(subscription),
            clients::subscriptionAdmin,
            () -> provisioner.ensureSubscription(spec),
            (received, ack, nack) ->
                Message.of(
                    received.getMessage().getData().toByteArray(),
                    Metadata.of(incomingMetadata(received, subscription)),
                    ack,
                    nack));
    channels.register(channel);
    return typed(settings, topic, channel.stream());
  }

  private static PubSubIncomingMetadata incomingMetadata(
      ReceivedMessage received, String subscription) {
    PubsubMessage message = received.getMessage();
    return new PubSubIncomingMetadata(
        message.getMessageId(),
        message.getAttributesMap(),
        PullChannel.publishTime(message),
        received.getDeliveryAttempt(),
        message.getOrderingKey(),
        subscription);
  }

  /** The channel's stream, decoded into mlcp events unless {@code payload=bytes}. */
  private Flow.Publisher<? extends Message<?>> typed(
      ChannelSettings settings, String topic, Multi<Message<byte[]>> raw) {
    String payload = settings.string("payload", "event");
    switch (payload) {
      case "bytes":
        return raw;
      case "event":
        break;
      default:
        throw new IllegalArgumentException(
            settings.key("payload") + " must be event or bytes, was '" + payload + "'");
    }
    Set<EventType> accepted = new LinkedHashSet<>();
    for (String type : settings.string("event-types", "").split(",")) {
      if (!type.isBlank()) {
        try {
          accepted.add(EventType.ofType(type.trim()));
        } catch (UnknownEventTypeException e) {
          throw new IllegalArgumentException(
              settings.key("event-types")
                  + ": unknown ce-type '"
                  + type.trim()
                  + "'; known: "
                  + EventType.knownTypes(),
              e);
        }
      }
    }
    String deadLetterTopic = Topics.deadLetterOf(topic);
    EventDecoding decoding =
        new EventDecoding(
            settings.channel(),
            topic,
            codec,
            accepted,
            () -> clients.publisher(deadLetterTopic, builder -> builder));
    return decoding.apply(raw);
  }

  private Flow.Publisher<? extends Message<?>> push(ChannelSettings settings) {
    if (config.push().auth() == PubSubConfig.PushAuth.GOOGLE_OIDC) {
      requirePushIdentity();
    }
    String topic =
        settings
            .optional("topic")
            .or(() -> known(settings.channel()).map(Subscriptions.Subscription::topic))
            .orElse(settings.channel());
    channels.topic(settings.channel(), topic);
    provisioner.ensureTopics(List.of(topic));
    PushChannel channel =
        new PushChannel(
            settings.channel(), settings.string("subscription", ""), config.push().maxInFlight());
    channels.register(channel);
    return typed(settings, topic, channel.stream());
  }

  /**
   * The subscription mlcp defines for an incoming channel of this name, when exactly one does
   * (channel names there are topic names, each consumed by one service).
   */
  private static Optional<Subscriptions.Subscription> known(String channel) {
    List<Subscriptions.Subscription> matches =
        Subscriptions.ALL.stream().filter(s -> s.channel().equals(channel)).toList();
    return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
  }

  private void requirePushIdentity() {
    if (config.push().audience().isEmpty()) {
      throw new IllegalStateException(
          "mlcp.pubsub.push.audience must be set when mlcp.pubsub.push.auth=google-oidc"
              + " (the push endpoint URL the subscription's OIDC token is minted for)");
    }
    if (config.push().serviceAccount().isEmpty()) {
      throw new IllegalStateException(
          "mlcp.pubsub.push.service-account must be set when mlcp.pubsub.push.auth=google-oidc"
              + " (the email of the push subscription's service account)");
    }
  }

  @Override
  public Flow.Subscriber<? extends Message<?>> getSubscriber(Config channelConfig) {
    ChannelSettings settings = new ChannelSettings(channelConfig, "outgoing");
    String topic = settings.string("topic", settings.channel());
    channels.topic(settings.channel(), topic);
    provisioner.ensureTopics(List.of(topic));
    boolean ordering = settings.bool("ordering", false);
    Duration total =
        Duration.ofMillis(Math.max(10_000, settings.longValue("publish-timeout-ms", 60_000)));
    Duration firstRpc = total.compareTo(Duration.ofSeconds(5)) < 0 ? total : Duration.ofSeconds(5);
    BatchingSettings batching =
        BatchingSettings.newBuilder()
            .setElementCountThreshold(settings.longValue("batch-max-messages", 100))
            .setRequestByteThreshold(settings.longValue("batch-max-bytes", 1_000_000))
            .setDelayThresholdDuration(Duration.ofMillis(settings.longValue("batch-delay-ms", 10)))
            .build();
    RetrySettings retry =
        RetrySettings.newBuilder()
            .setInitialRetryDelayDuration(Duration.ofMillis(100))
            .setRetryDelayMultiplier(1.3)
            .setMaxRetryDelayDuration(Duration.ofSeconds(5))
            .setInitialRpcTimeoutDuration(firstRpc)
            .setRpcTimeoutMultiplier(2)
            .setMaxRpcTimeoutDuration(total)
            .setTotalTimeoutDuration(total)
            .build();
    Publisher publisher =
        clients.publisher(
            topic,
            builder ->
                builder
                    .setBatchingSettings(batching)
                    .setRetrySettings(retry)
                    .setEnableMessageOrdering(ordering));
    return new OutgoingChannel(settings.channel(), topic, publisher, ordering)
        .subscriber(settings.integer("max-in-flight", 1000));
  }

  /**
   * Per channel, for SmallRye's messaging readiness check: a pull channel is ready while it pulls.
   */
  @Override
  public HealthReport getReadiness() {
    HealthReport.HealthReportBuilder report = HealthReport.builder();
    channels
        .pullChannelStates()
        .forEach(
            (channel, running) ->
                report.add(
                    channel,
                    running,
                    running ? "pulling" : "waiting for Pub/Sub or the subscription"));
    channels.pushChannelNames().forEach(channel -> report.add(channel, true));
    return report.build();
  }

  @PreDestroy
  void stop() {
    channels.stopPulls();
  }

  /** Reads a channel's attributes, naming the full key in errors. */
  private record ChannelSettings(Config config, String direction) {
    String channel() {
      return config.getValue("channel-name", String.class);
    }

    String key(String attribute) {
      return "mp.messaging." + direction + "." + channel() + "." + attribute;
    }

    Optional<String> optional(String attribute) {
      return config.getOptionalValue(attribute, String.class).filter(v -> !v.isBlank());
    }

    String string(String attribute, String fallback) {
      return config.getOptionalValue(attribute, String.class).orElse(fallback);
    }

    boolean bool(String attribute, boolean fallback) {
      return config.getOptionalValue(attribute, Boolean.class).orElse(fallback);
    }

    int integer(String attribute, int fallback) {
      return config.getOptionalValue(attribute, Integer.class).orElse(fallback);
    }

    long longValue(String attribute, long fallback) {
      return config.getOptionalValue(attribute, Long.class).orElse(fallback);
    }
  }
}
