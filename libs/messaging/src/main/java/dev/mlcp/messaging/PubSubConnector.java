package dev.mlcp.messaging;

import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING;
import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING_AND_OUTGOING;
import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.OUTGOING;

import com.google.api.gax.batching.BatchingSettings;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.pubsub.v1.Publisher;
import dev.mlcp.events.Subscriptions;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.health.HealthReporter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
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
    description = "pull (streaming pull) or push (POST /pubsub/push/<channel>)",
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
    description = "Streaming pull connections",
    defaultValue = "1")
@ConnectorAttribute(
    name = "executor-threads",
    type = "int",
    direction = INCOMING,
    description = "Threads delivering pulled messages, per pull connection",
    defaultValue = "4")
@ConnectorAttribute(
    name = "ack-deadline-seconds",
    type = "int",
    direction = INCOMING,
    description = "Ack deadline of a provisioned subscription",
    defaultValue = "30")
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

  @Inject
  public PubSubConnector(
      PubSubClients clients,
      Provisioner provisioner,
      ChannelRegistry channels,
      PubSubConfig config) {
    this.clients = clients;
    this.provisioner = provisioner;
    this.channels = channels;
    this.config = config;
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
        new Provisioner.SubscriptionSpec(
            subscription,
            topic,
            settings.bool("ordering", false),
            settings.integer("ack-deadline-seconds", 30));
    FlowControlSettings flowControl =
        FlowControlSettings.newBuilder()
            .setMaxOutstandingElementCount(settings.longValue("max-outstanding-messages", 1000))
            .setMaxOutstandingRequestBytes(
                settings.longValue("max-outstanding-bytes", 100L * 1024 * 1024))
            .build();
    int parallelPulls = settings.integer("parallel-pull-count", 1);
    int threads = settings.integer("executor-threads", 4);
    PullChannel channel =
        new PullChannel(
            settings.channel(),
            subscription,
            clients,
            () -> provisioner.ensureSubscription(spec),
            builder ->
                builder
                    .setFlowControlSettings(flowControl)
                    .setParallelPullCount(parallelPulls)
                    .setExecutorProvider(
                        InstantiatingExecutorProvider.newBuilder()
                            .setExecutorThreadCount(threads)
                            .build()));
    channels.register(channel);
    return channel.stream();
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
    return channel.stream();
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
                    running
                        ? "streaming pull running"
                        : "waiting for Pub/Sub or the subscription"));
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
