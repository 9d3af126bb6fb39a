package dev.mlcp.serving.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.DeployRequested;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The REST API and the deploy-requests channel against the real emulator: who may deploy, reads for
 * everyone, validation naming fields, idempotency, reconcile for admins. The registry is not
 * reachable in this profile, so accepted rollouts stay QUEUED (they wait for it).
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
public class ServicesApiTest {
  static final String DEV = TestTokens.googleIdToken("dev@example.com").sign();
  static final String CI = TestTokens.googleIdToken("ci@proj.iam.gserviceaccount.com").sign();
  static final String ADMIN = TestTokens.googleIdToken("admin@example.com").sign();

  static Map<String, Object> body() {
    return Map.of(
        "image", "europe-docker.pkg.dev/mlcp-demo/examples/sample-server",
        "model", "churn",
        "version", "v3",
        "steps", List.of(10, 50, 100),
        "bakeSeconds", 5);
  }

  @Test
  void a_developer_cannot_deploy_and_is_told_how() {
    given()
        .auth()
        .oauth2(DEV)
        .contentType("application/json")
        .body(body())
        .post("/v1/services/churn/revisions")
        .then()
        .statusCode(403)
        .contentType(containsString("application/problem+json"))
        .body("detail", containsString("Cloud Build"))
        .body("detail", containsString("gcloud pubsub topics publish deploy-requests"));
    for (String path :
        List.of("/v1/services/churn:rollback", "/v1/services/churn/rollouts/dep-x:abort")) {
      // A literal ":" as curl sends it (RestAssured would send %3A).
      given().auth().oauth2(DEV).urlEncodingEnabled(false).post(path).then().statusCode(403);
    }
    given()
        .auth()
        .oauth2(DEV)
        .contentType("application/json")
        .body(Map.of("percents", Map.of("r1", 100)))
        .put("/v1/services/churn/traffic")
        .then()
        .statusCode(403);
    given().auth().oauth2(DEV).delete("/v1/services/churn/revisions/r1").then().statusCode(403);
  }

  @Test
  void the_ci_identity_deploys_once_per_idempotency_key_and_everyone_reads() {
    Response first =
        given()
            .auth()
            .oauth2(CI)
            .header("Idempotency-Key", "build-1")
            .contentType("application/json")
            .body(body())
            .post("/v1/services/api-svc/revisions");
    first
        .then()
        .statusCode(202)
        .body("state", equalTo("QUEUED"))
        .body("strategy", equalTo("canary"));
    String id = first.jsonPath().getString("id");
    assertThat(first.header("Location")).endsWith("/v1/services/api-svc/rollouts/" + id);
    given()
        .auth()
        .oauth2(ADMIN)
        .header("Idempotency-Key", "build-1")
        .contentType("application/json")
        .body(body())
        .post("/v1/services/api-svc/revisions")
        .then()
        .statusCode(202)
        .body("id", equalTo(id));
    given()
        .auth()
        .oauth2(DEV)
        .get("/v1/services/api-svc/rollouts/" + id)
        .then()
        .statusCode(200)
        .body("model", equalTo("churn"))
        .body("steps", equalTo(List.of(10, 50, 100)));
    given()
        .auth()
        .oauth2(DEV)
        .get("/v1/services/api-svc/rollouts")
        .then()
        .statusCode(200)
        .body("rollouts.size()", equalTo(1));
  }

  @Test
  void bad_requests_name_the_field() {
    Map<String, Object> bad = new java.util.HashMap<>(body());
    bad.put("steps", List.of(50, 10));
    given()
        .auth()
        .oauth2(CI)
        .contentType("application/json")
        .body(bad)
        .post("/v1/services/churn/revisions")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("steps"));
    given()
        .auth()
        .oauth2(CI)
        .contentType("application/json")
        .body(Map.of("model", "churn"))
        .post("/v1/services/churn/revisions")
        .then()
        .statusCode(400);
    given().auth().oauth2(DEV).get("/v1/services/Bad_Name").then().statusCode(404);
    given().auth().oauth2(DEV).get("/v1/services?pageToken=forged").then().statusCode(400);
    given().auth().oauth2(DEV).get("/v1/services/nosuch").then().statusCode(404);
  }

  @Test
  void reconcile_is_for_admins() {
    given().auth().oauth2(DEV).post("/internal/reconcile").then().statusCode(403);
    given().auth().oauth2(ADMIN).post("/internal/reconcile").then().statusCode(200);
  }

  @Test
  void deploy_requests_are_believed_only_from_configured_publishers() throws Exception {
    publish("//cloudbuild/proj/deploy-model", "pubsub-svc", "build-9");
    publish("//laptop/dev", "rogue-svc", "build-10");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Object> rollouts = List.of();
    while (rollouts.isEmpty() && System.nanoTime() < deadline) {
      rollouts =
          given()
              .auth()
              .oauth2(DEV)
              .get("/v1/services/pubsub-svc/rollouts")
              .jsonPath()
              .getList("rollouts");
      Thread.sleep(200);
    }
    assertThat(rollouts).hasSize(1);
    Thread.sleep(1000);
    assertThat(
            given()
                .auth()
                .oauth2(DEV)
                .get("/v1/services/rogue-svc/rollouts")
                .jsonPath()
                .getList("rollouts"))
        .isEmpty();
  }

  static void publish(String source, String service, String key) throws Exception {
    DeployRequested request =
        new DeployRequested(
            key,
            service,
            "churn",
            "v3",
            null,
            "gce",
            "europe-docker.pkg.dev/mlcp-demo/examples/sample-server",
            10,
            "ci@proj.iam.gserviceaccount.com",
            "canary",
            List.of(10, 100),
            5,
            false,
            null,
            null,
            null,
            null,
            null,
            Map.of(),
            null,
            null,
            null);
    EncodedEvent encoded = new CloudEventCodec().encode(EventEnvelope.of(source, request));
    PubSubEmulatorResource.current()
        .clients()
        .publish("deploy-requests", encoded.data(), encoded.attributes());
  }
}
