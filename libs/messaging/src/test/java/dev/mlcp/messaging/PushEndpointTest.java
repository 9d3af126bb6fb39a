package dev.mlcp.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.messaging.app.Received;
import dev.mlcp.messaging.app.TestHandlers;
import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The push endpoint's contract, case by case, in local mode (no token). */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
class PushEndpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject Received received;
  @Inject TestHandlers handlers;

  private static ObjectNode envelope(String payload) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode message = root.putObject("message");
    message.put(
        "data", Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8)));
    message.putObject("attributes").put("ce-id", "id-" + payload);
    message.put("messageId", "m-" + UUID.randomUUID());
    message.put("publishTime", "2026-01-02T03:04:05.678Z");
    root.put("subscription", "projects/mlcp-test/subscriptions/test-push-sub");
    root.put("deliveryAttempt", 3);
    return root;
  }

  private static ValidatableResponse post(String channel, String body) {
    return given()
        .contentType("application/json")
        .body(body)
        .when()
        .post("/pubsub/push/" + channel)
        .then();
  }

  private static void badRequest(String body, String detail) {
    post("pushed", body)
        .statusCode(400)
        .contentType("application/problem+json")
        .body("status", equalTo(400))
        .body("title", equalTo("Malformed push envelope"))
        .body("detail", containsString(detail));
  }

  @Test
  void acked_push_answers_204_and_the_handler_sees_data_and_metadata() {
    String payload = "ok-" + UUID.randomUUID();

    post("pushed", envelope(payload).toString()).statusCode(204);

    PubSubIncomingMetadata metadata = received.of("pushed", payload).get(0).metadata();
    assertThat(metadata.attributes()).containsEntry("ce-id", "id-" + payload);
    assertThat(metadata.deliveryAttempt()).isEqualTo(3);
    assertThat(metadata.publishTime()).hasToString("2026-01-02T03:04:05.678Z");
    assertThat(metadata.subscription()).endsWith("test-push-sub");
  }

  @Test
  void nacked_push_answers_503_so_pubsub_redelivers() {
    post("pushed", envelope("nack").toString())
        .statusCode(503)
        .contentType("application/problem+json")
        .body("detail", containsString("redeliver"));
  }

  @Test
  void handler_exception_answers_503() {
    String payload = "throw-" + UUID.randomUUID();

    post("push-payload", envelope(payload).toString()).statusCode(503);

    assertThat(handlers.payloads()).contains(payload);
  }

  @Test
  void handler_without_answer_within_the_timeout_gets_503() {
    String payload = "slow-" + UUID.randomUUID();

    post("push-slow", envelope(payload).toString())
        .statusCode(503)
        .body("detail", containsString("did not ack within"));

    await().atMost(Duration.ofSeconds(5)).until(() -> !received.of("push-slow", payload).isEmpty());
  }

  @Test
  void unknown_channel_answers_404_naming_the_known_channels() {
    post("no-such-channel", envelope("x").toString())
        .statusCode(404)
        .contentType("application/problem+json")
        .body("detail", containsString("no-such-channel"))
        .body("detail", containsString("pushed"));
  }

  @Test
  void body_that_is_not_json_answers_400() {
    badRequest("{not json", "not valid JSON");
  }

  @Test
  void empty_body_answers_400() {
    badRequest("", "empty");
  }

  @Test
  void envelope_without_message_answers_400() {
    badRequest("{\"subscription\":\"s\"}", "no \"message\" object");
  }

  @Test
  void data_that_is_not_base64_answers_400() {
    ObjectNode envelope = envelope("x");
    ((ObjectNode) envelope.get("message")).put("data", "%%% not base64 %%%");
    badRequest(envelope.toString(), "not valid base64");
  }

  @Test
  void message_without_id_answers_400() {
    ObjectNode envelope = envelope("x");
    ((ObjectNode) envelope.get("message")).remove("messageId");
    badRequest(envelope.toString(), "messageId is missing");
  }

  @Test
  void attribute_that_is_not_a_string_answers_400() {
    ObjectNode envelope = envelope("x");
    ((ObjectNode) envelope.get("message")).putObject("attributes").put("n", 1);
    badRequest(envelope.toString(), "attributes.n must be a string");
  }

  @Test
  void bad_publish_time_answers_400() {
    ObjectNode envelope = envelope("x");
    ((ObjectNode) envelope.get("message")).put("publishTime", "yesterday");
    badRequest(envelope.toString(), "publishTime");
  }
}
