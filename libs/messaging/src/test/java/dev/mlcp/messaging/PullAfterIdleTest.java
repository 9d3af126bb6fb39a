package dev.mlcp.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.mlcp.messaging.app.Received;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.InjectPubSubEmulator;
import dev.mlcp.testing.PubSubEmulator;
import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The CI flake behind issue "completions never lost": with the client library's streaming pull, a
 * subscription left idle for more than ~50 s on the emulator stops receiving (the keepalive closes
 * the stream, and what the emulator delivers to abandoned streams expires unseen until it is
 * dead-lettered). The connector pulls with unary long polls, so an idle channel still receives.
 * Reproduced before the fix: with a plain streaming-pull Subscriber on emulator 0.8.20, a message
 * published after 70 s of idleness was not received within 150 s, and another arrived only on its
 * fifth delivery attempt (the dead-letter limit).
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
class PullAfterIdleTest {
  /** Past the client keepalive's ping (30 s) + server timeout (15 s) + monitor period. */
  static final Duration IDLE = Duration.ofSeconds(65);

  @InjectPubSubEmulator PubSubEmulator emulator;
  @Inject Received received;

  @Test
  void a_message_published_after_a_long_idle_period_is_received_on_its_first_delivery()
      throws Exception {
    Readiness.awaitReady();
    Thread.sleep(IDLE.toMillis());
    String payload = "after-idle-" + UUID.randomUUID();
    try (EmulatorClients clients = emulator.clients()) {
      clients.publish("test-pull", payload);
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> !received.of("pulled", payload).isEmpty());
    assertThat(received.of("pulled", payload).get(0).metadata().deliveryAttempt()).isEqualTo(1);
  }
}
