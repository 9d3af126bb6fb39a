package dev.mlcp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.rpc.ApiException;
import com.google.pubsub.v1.PubsubMessage;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PubSubEmulatorTest {

  @Test
  void started_emulator_serves_publish_and_streaming_pull() {
    try (PubSubEmulator emulator = PubSubEmulator.start();
        EmulatorClients clients = emulator.clients()) {
      assertThat(emulator.hostPort()).isEqualTo("127.0.0.1:" + emulator.port());
      assertThat(emulator.projectId()).isEqualTo("mlcp-test");
      clients.createTopic("greetings");
      clients.createPullSubscription("greetings-sub", "greetings");

      clients.publish("greetings", "hello".getBytes(StandardCharsets.UTF_8), Map.of("k", "v"));
      List<PubsubMessage> received = clients.receive("greetings-sub", 1, Duration.ofSeconds(20));

      assertThat(received).hasSize(1);
      assertThat(received.get(0).getData().toStringUtf8()).isEqualTo("hello");
      assertThat(received.get(0).getAttributesMap()).containsEntry("k", "v");
      assertThat(emulator.logFile()).exists();
    }
  }

  @Test
  void stop_frees_the_port_and_restart_serves_again_on_the_same_port() throws Exception {
    try (PubSubEmulator emulator = PubSubEmulator.start()) {
      int port = emulator.port();
      emulator.stop();
      assertThat(emulator.isRunning()).isFalse();
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(Exception.class);

      emulator.restart();

      assertThat(emulator.isRunning()).isTrue();
      assertThat(emulator.port()).isEqualTo(port);
      try (EmulatorClients clients = emulator.clients()) {
        clients.createTopic("after-restart");
        assertThat(clients.topicAdmin().getTopic(clients.topicPath("after-restart")).getName())
            .endsWith("/topics/after-restart");
      }
    }
  }

  @Test
  void nacked_message_lands_on_the_dead_letter_topic_after_max_attempts() {
    try (PubSubEmulator emulator = PubSubEmulator.start();
        EmulatorClients clients = emulator.clients()) {
      clients.createTopic("work");
      clients.createTopic("work-dead-letter");
      clients.createPullSubscription("work-dlq-reader", "work-dead-letter");
      clients.createPullSubscription("work-sub", "work", "work-dead-letter", 5);
      clients.publish("work", "poison");

      var subscriber =
          clients.subscriberBuilder("work-sub", (message, reply) -> reply.nack()).build();
      subscriber.startAsync().awaitRunning();
      try {
        List<PubsubMessage> dead = clients.receive("work-dlq-reader", 1, Duration.ofSeconds(60));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getData().toStringUtf8()).isEqualTo("poison");
      } finally {
        subscriber.stopAsync().awaitTerminated();
      }
    }
  }

  @Test
  void missing_topic_is_reported_by_the_emulator() {
    try (PubSubEmulator emulator = PubSubEmulator.start();
        EmulatorClients clients = emulator.clients()) {
      assertThatThrownBy(() -> clients.topicAdmin().getTopic(clients.topicPath("nope")))
          .isInstanceOf(ApiException.class);
    }
  }

  @Test
  void missing_jar_message_says_how_to_install_the_emulator(@TempDir Path emptySdk) {
    assertThatThrownBy(() -> PubSubEmulator.locateJar(null, List.of(emptySdk)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install google-cloud-cli-pubsub-emulator")
        .hasMessageContaining("gcloud components install pubsub-emulator")
        .hasMessageContaining(PubSubEmulator.JAR_ENV);
  }

  @Test
  void explicit_jar_that_does_not_exist_is_named_in_the_error(@TempDir Path dir) {
    String missing = dir.resolve("nothing.jar").toString();
    assertThatThrownBy(() -> PubSubEmulator.locateJar(missing, List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(missing)
        .hasMessageContaining("apt-get install google-cloud-cli-pubsub-emulator");
  }

  @Test
  void newest_jar_under_an_sdk_root_is_chosen(@TempDir Path sdk) throws Exception {
    Path lib = Files.createDirectories(sdk.resolve("platform/pubsub-emulator/lib"));
    Files.createFile(lib.resolve("cloud-pubsub-emulator-0.8.1-all.jar"));
    Files.createFile(lib.resolve("cloud-pubsub-emulator-0.8.20-all.jar"));

    assertThat(PubSubEmulator.locateJar(null, List.of(sdk)).getFileName().toString())
        .isEqualTo("cloud-pubsub-emulator-0.8.20-all.jar");
  }
}
