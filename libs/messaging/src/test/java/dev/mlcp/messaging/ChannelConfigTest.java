package dev.mlcp.messaging;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

/** Misconfigured channels fail at start-up, naming the key to fix. */
class ChannelConfigTest {

  private static PubSubConfig config(PubSubConfig.PushAuth auth, Optional<String> audience) {
    PubSubConfig.Push push =
        new PubSubConfig.Push() {
          @Override
          public PubSubConfig.PushAuth auth() {
            return auth;
          }

          @Override
          public Optional<String> audience() {
            return audience;
          }

          @Override
          public Optional<String> serviceAccount() {
            return Optional.empty();
          }

          @Override
          public List<String> issuers() {
            return List.of("https://accounts.google.com");
          }

          @Override
          public String jwksUrl() {
            return "http://127.0.0.1:1/certs";
          }

          @Override
          public Duration handlerTimeout() {
            return Duration.ofSeconds(1);
          }

          @Override
          public int maxInFlight() {
            return 1;
          }
        };
    return new PubSubConfig() {

      @Override
      public Optional<String> emulatorHost() {
        return Optional.empty();
      }

      @Override
      public boolean provision() {
        return false;
      }

      @Override
      public Duration healthTimeout() {
        return Duration.ofSeconds(1);
      }

      @Override
      public Push push() {
        return push;
      }
    };
  }

  private static Config channel(Map<String, String> attributes) {
    return new SmallRyeConfigBuilder().withDefaultValues(attributes).build();
  }

  private static PubSubConnector connector(PubSubConfig config) {
    return new PubSubConnector(
        null, null, new ChannelRegistry(), config, new dev.mlcp.events.CloudEventCodec());
  }

  @Test
  void push_channel_in_google_oidc_mode_without_audience_names_the_key() {
    PubSubConnector connector =
        connector(config(PubSubConfig.PushAuth.GOOGLE_OIDC, Optional.empty()));

    assertThatThrownBy(
            () -> connector.getPublisher(channel(Map.of("channel-name", "c", "mode", "push"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mlcp.pubsub.push.audience");
  }

  @Test
  void push_channel_in_google_oidc_mode_without_service_account_names_the_key() {
    PubSubConnector connector =
        connector(config(PubSubConfig.PushAuth.GOOGLE_OIDC, Optional.of("https://aud")));

    assertThatThrownBy(
            () -> connector.getPublisher(channel(Map.of("channel-name", "c", "mode", "push"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mlcp.pubsub.push.service-account");
  }

  @Test
  void pull_channel_without_subscription_names_the_key() {
    PubSubConnector connector = connector(config(PubSubConfig.PushAuth.NONE, Optional.empty()));

    assertThatThrownBy(() -> connector.getPublisher(channel(Map.of("channel-name", "orders"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mp.messaging.incoming.orders.subscription");
  }

  @Test
  void unknown_mode_names_the_key_and_the_choices() {
    PubSubConnector connector = connector(config(PubSubConfig.PushAuth.NONE, Optional.empty()));

    assertThatThrownBy(
            () -> connector.getPublisher(channel(Map.of("channel-name", "c", "mode", "poll"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mp.messaging.incoming.c.mode")
        .hasMessageContaining("pull or push");
  }
}
