package dev.mlcp.web.problem;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.mlcp.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ProblemJsonTest {

  private static final String VALID =
      """
      {"name": "exp-1", "labels": {"team": "vision"},
       "machine": {"machine_type": "n1-standard-4", "gpus": 1},
       "disks": [{"name": "data", "sizeGb": 100}], "count": 1}
      """;

  private static RequestSpecification asUser() {
    return given().auth().oauth2(TestTokens.googleIdToken("ann@example.com").sign());
  }

  @Test
  void valid_body_passes_validation() {
    asUser()
        .contentType(ContentType.JSON)
        .body(VALID)
        .post("/example/experiments")
        .then()
        .statusCode(200)
        .body("name", equalTo("exp-1"))
        .body("machine.machine_type", equalTo("n1-standard-4"));
  }

  @Test
  void a_body_over_the_size_limit_is_413_problem_json_before_it_is_read() {
    asUser()
        .contentType(ContentType.JSON)
        .body("{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}")
        .post("/example/experiments")
        .then()
        .statusCode(413)
        .contentType(org.hamcrest.Matchers.containsString("application/problem+json"))
        .body("type", equalTo("urn:mlcp:problem:payload-too-large"))
        .body("status", equalTo(413));
  }

  @Test
  void invalid_fields_are_400_problem_naming_each_json_field() {
    asUser()
        .contentType(ContentType.JSON)
        .body(
            """
            {"name": "Exp_1", "labels": {"Team": "ok", "env": "Prod!"},
             "machine": {"machine_type": " ", "gpus": 9},
             "disks": [{"name": "data", "sizeGb": 100}, {"name": "-bad", "sizeGb": 1}],
             "count": 0}
            """)
        .post("/example/experiments")
        .then()
        .statusCode(400)
        .contentType(startsWith("application/problem+json"))
        .body("type", equalTo("urn:mlcp:problem:invalid-request"))
        .body("status", equalTo(400))
        .body("instance", equalTo("/example/experiments"))
        .body(
            "errors.field",
            hasItems(
                "name",
                "labels",
                "machine.machine_type",
                "machine.gpus",
                "disks[1].name",
                "disks[1].sizeGb",
                "count"))
        .body("errors.findAll { it.field == 'labels' }.message", hasItem(containsString("'Team'")))
        .body("errors.findAll { it.field == 'labels' }.message", hasItem(containsString("'env'")))
        .body("errors.find { it.field == 'name' }.message", containsString("lowercase"));
  }

  @Test
  void missing_nested_object_is_named() {
    asUser()
        .contentType(ContentType.JSON)
        .body("{\"name\": \"exp-1\", \"count\": 1}")
        .post("/example/experiments")
        .then()
        .statusCode(400)
        .body("errors.field", hasItem("machine"));
  }

  @Test
  void missing_body_is_400_problem() {
    asUser()
        .contentType(ContentType.JSON)
        .post("/example/experiments")
        .then()
        .statusCode(400)
        .contentType(startsWith("application/problem+json"))
        .body("errors.field", hasItem("request"));
  }

  @Test
  void invalid_query_parameter_is_named() {
    asUser()
        .queryParam("zone", "Europe West")
        .get("/example/zones")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("zone"));
  }

  @Test
  void malformed_json_is_400_problem_naming_the_field() {
    asUser()
        .contentType(ContentType.JSON)
        .body("{\"name\": \"exp-1\", \"count\": oops}")
        .post("/example/experiments")
        .then()
        .statusCode(400)
        .contentType(startsWith("application/problem+json"))
        .body("errors[0].field", equalTo("count"))
        .body("errors[0].message", containsString("not valid JSON"));
  }

  @Test
  void wrongly_typed_value_is_400_problem_naming_the_nested_field() {
    asUser()
        .contentType(ContentType.JSON)
        .body("{\"name\": \"exp-1\", \"machine\": {\"machine_type\": \"n1\", \"gpus\": \"many\"}}")
        .post("/example/experiments")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("machine.gpus"))
        .body("errors[0].message", equalTo("must be an integer"))
        .body("detail", not(containsString("java")));
  }

  @Test
  void unexpected_exception_is_500_problem_without_internals() {
    String body =
        asUser()
            .get("/example/boom")
            .then()
            .statusCode(500)
            .contentType(startsWith("application/problem+json"))
            .body("status", equalTo(500))
            .body("correlationId", notNullValue())
            .extract()
            .asString();
    org.assertj.core.api.Assertions.assertThat(body)
        .doesNotContain("hunter2")
        .doesNotContain("IllegalStateException")
        .doesNotContain("at dev.mlcp");
  }

  @Test
  void cloud_trace_id_becomes_the_correlation_id() {
    asUser()
        .header("X-Cloud-Trace-Context", "105445aa7843bc8bf206b12000100000/1;o=1")
        .get("/example/boom")
        .then()
        .statusCode(500)
        .body("correlationId", equalTo("105445aa7843bc8bf206b12000100000"));
  }

  @Test
  void api_exception_keeps_its_status_and_detail() {
    asUser()
        .get("/example/conflict")
        .then()
        .statusCode(409)
        .contentType(startsWith("application/problem+json"))
        .body("type", equalTo("urn:mlcp:problem:conflict"))
        .body("detail", equalTo("experiment 'exp-1' already exists"));
  }

  @Test
  void unavailable_upstream_is_503_with_retry_after() {
    asUser()
        .get("/example/stockout")
        .then()
        .statusCode(503)
        .header("Retry-After", "90")
        .body("type", equalTo("urn:mlcp:problem:unavailable"))
        .body("detail", containsString("europe-west4-a"));
  }

  @Test
  void api_not_found_precondition_and_quota_map_to_their_statuses() {
    asUser()
        .get("/example/runs/run-42")
        .then()
        .statusCode(404)
        .body("type", equalTo("urn:mlcp:problem:not-found"))
        .body("detail", equalTo("run 'run-42' does not exist"));
    asUser()
        .get("/example/stale")
        .then()
        .statusCode(412)
        .body("type", equalTo("urn:mlcp:problem:precondition-failed"));
    asUser()
        .get("/example/quota")
        .then()
        .statusCode(429)
        .header("Retry-After", "300")
        .body("type", equalTo("urn:mlcp:problem:quota-exceeded"))
        .body("correlationId", equalTo(null));
  }

  @Test
  void bad_request_names_its_field() {
    asUser()
        .get("/example/bad-field")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("spec.image"))
        .body("errors[0].message", equalTo("image must be in Artifact Registry"));
  }

  @Test
  void wrong_method_keeps_its_status_as_problem() {
    asUser()
        .delete("/example/me")
        .then()
        .statusCode(405)
        .contentType(startsWith("application/problem+json"))
        .body("status", equalTo(405));
  }
}
