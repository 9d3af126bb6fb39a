package dev.mlcp.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.mlcp.messaging.app.Received;
import dev.mlcp.testing.InjectPubSubEmulator;
import dev.mlcp.testing.PubSubEmulator;
import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;

/** The application starts while Pub/Sub is down, reports not ready, and recovers. */
@QuarkusTest
@TestProfile(ReadinessTest.EmulatorDownAtStart.class)
class ReadinessTest {

  /** The emulator is stopped before the application starts. */
  public static class EmulatorDownAtStart implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("mp.messaging.outgoing.out.publish-timeout-ms", "10000");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(
          new TestResourceEntry(
              PubSubEmulatorResource.class, Map.of(PubSubEmulatorResource.DOWN_AT_START, "true")));
    }
  }

  @InjectPubSubEmulator PubSubEmulator emulator;

  @Inject
  @Channel("out")
  Emitter<byte[]> out;

  @Inject Received received;

  @Test
  void starts_without_pubsub_reports_down_then_recovers_when_it_returns() throws Exception {
    assertThat(emulator.isRunning()).isFalse();
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body(containsString("Pub/Sub"))
        .body(containsString("DOWN"));
    given().get("/q/health/live").then().statusCode(200);

    CompletableFuture<Void> whileDown =
        out.send("while-down".getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
    assertThatThrownBy(() -> whileDown.get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);

    emulator.restart();

    Readiness.awaitReady();
    given()
        .get("/q/health/ready")
        .then()
        .body(containsString("SmallRye Reactive Messaging"))
        .body(containsString("pulling"));
    String payload = "after-recovery-" + UUID.randomUUID();
    out.send(payload.getBytes(StandardCharsets.UTF_8))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> !received.of("pulled", payload).isEmpty());
  }
}
