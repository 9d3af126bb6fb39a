package dev.mlcp.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

/**
 * What every mlcp service promises when it boots, inherited by each service's {@code @QuarkusTest}
 * (with the emulator resource and the test auth profile): health open and ready with Pub/Sub,
 * OpenAPI and Prometheus metrics behind a token, and no API path reachable without one.
 */
public abstract class ServiceContractTest {

  /** A path of the service's API that needs a token, e.g. {@code /v1/runs}. */
  protected abstract String apiPath();

  /** A valid user token for the test profile's audience. */
  protected String userToken() {
    return TestTokens.googleIdToken("dev@example.com").sign();
  }

  @Test
  void readiness_is_open_and_up_with_pubsub_reachable() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.name", hasItem(containsString("Pub/Sub")));
  }

  @Test
  void liveness_is_open_and_up() {
    given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
  }

  @Test
  void openapi_document_is_served_to_an_authenticated_caller() {
    given()
        .auth()
        .oauth2(userToken())
        .accept("application/json")
        .when()
        .get("/q/openapi")
        .then()
        .statusCode(200)
        .body("openapi", containsString("3."));
  }

  @Test
  void prometheus_metrics_are_served_to_an_authenticated_caller() {
    given()
        .auth()
        .oauth2(userToken())
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("jvm_memory_used_bytes"));
  }

  @Test
  void api_without_a_token_is_401_problem_json() {
    given()
        .when()
        .get(apiPath())
        .then()
        .statusCode(401)
        .contentType(containsString("application/problem+json"))
        .body("status", equalTo(401));
  }

  @Test
  void openapi_without_a_token_is_401() {
    given().when().get("/q/openapi").then().statusCode(401);
  }
}
