package dev.mlcp.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.messaging.app.Received;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Cloud mode: a push must carry a Google-signed OIDC token for the configured audience and push
 * service account. The test key's JWKS stands in for Google's.
 */
@QuarkusTest
@TestProfile(PushAuthTest.CloudMode.class)
class PushAuthTest {
  static final String AUDIENCE = "https://training-runner.example.run.app/pubsub/push";
  static final String PUSH_ACCOUNT = "pubsub-push@mlcp-test.iam.gserviceaccount.com";

  /** google-oidc push auth with a local JWKS. */
  public static class CloudMode implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "mlcp.pubsub.push.auth", "google-oidc",
          "mlcp.pubsub.push.audience", AUDIENCE,
          "mlcp.pubsub.push.service-account", PUSH_ACCOUNT);
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(
          new TestResourceEntry(PubSubEmulatorResource.class),
          new TestResourceEntry(JwksServer.class));
    }
  }

  @Inject Received received;

  private static String envelope(String payload) {
    String data = Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    return "{\"message\":{\"data\":\""
        + data
        + "\",\"messageId\":\"m-"
        + UUID.randomUUID()
        + "\"},\"subscription\":\"projects/mlcp-test/subscriptions/s\"}";
  }

  private static TestTokens.Builder validToken() {
    return TestTokens.googleIdToken(PUSH_ACCOUNT).audience(AUDIENCE);
  }

  private static int push(RequestSpecification request, String payload) {
    return request
        .contentType("application/json")
        .body(envelope(payload))
        .post("/pubsub/push/pushed")
        .statusCode();
  }

  private static int pushWith(String token, String payload) {
    return push(given().header("Authorization", "Bearer " + token), payload);
  }

  @Test
  void valid_push_token_is_accepted() {
    String payload = "authorized-" + UUID.randomUUID();

    assertThat(pushWith(validToken().sign(), payload)).isEqualTo(204);
    assertThat(received.of("pushed", payload)).hasSize(1);
  }

  @Test
  void token_with_the_other_google_issuer_spelling_is_accepted() {
    assertThat(pushWith(validToken().issuer("accounts.google.com").sign(), "x")).isEqualTo(204);
  }

  @Test
  void push_without_token_is_401() {
    String payload = "anonymous-" + UUID.randomUUID();

    assertThat(push(given(), payload)).isEqualTo(401);
    assertThat(received.of("pushed", payload)).isEmpty();
  }

  @Test
  void forged_token_is_401() {
    String payload = "forged-" + UUID.randomUUID();

    assertThat(pushWith(validToken().signedWithOtherKey().sign(), payload)).isEqualTo(401);
    assertThat(received.of("pushed", payload)).isEmpty();
  }

  @Test
  void expired_token_is_401() {
    assertThat(pushWith(validToken().expired().sign(), "expired")).isEqualTo(401);
  }

  @Test
  void token_for_another_audience_is_401() {
    assertThat(pushWith(validToken().audience("https://elsewhere.example").sign(), "aud"))
        .isEqualTo(401);
  }

  @Test
  void token_of_another_service_account_is_401() {
    String token = validToken().email("intruder@other.iam.gserviceaccount.com").sign();

    assertThat(pushWith(token, "email")).isEqualTo(401);
  }

  @Test
  void token_with_unverified_email_is_401() {
    assertThat(pushWith(validToken().emailVerified(false).sign(), "unverified")).isEqualTo(401);
  }

  @Test
  void token_from_another_issuer_is_401() {
    assertThat(pushWith(validToken().issuer("https://evil.example").sign(), "iss")).isEqualTo(401);
  }

  @Test
  void garbage_bearer_value_is_401() {
    assertThat(pushWith("not-a-jwt", "garbage")).isEqualTo(401);
  }
}
