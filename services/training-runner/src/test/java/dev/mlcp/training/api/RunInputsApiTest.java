package dev.mlcp.training.api;

import static dev.mlcp.training.LocalVmResource.TRAINER_IMAGE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.SpannerEmulatorResource;
import dev.mlcp.testing.TestTokens;
import dev.mlcp.training.LocalVmResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Run inputs over the REST API in local mode: refused at submit with the input named (400 for a DML
 * "query", 403 without a grant, 422 for a table that does not exist), and a Spanner table of the
 * real emulator materialized by the real VM agent for the sample trainer to train on.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalVmResource.class)
@WithTestResource(SpannerEmulatorResource.class)
public class RunInputsApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String DB = "spanner://" + SpannerEmulatorResource.INSTANCE + "/features";

  @BeforeAll
  static void seed() {
    SpannerEmulatorResource.current()
        .createDatabase(
            SpannerEmulatorResource.INSTANCE,
            "features",
            List.of(
                "CREATE TABLE examples (example_id INT64 NOT NULL, a FLOAT64, b FLOAT64,"
                    + " label INT64) PRIMARY KEY (example_id)"));
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      values.add("(" + i + ", " + (i % 7) + ", " + (-i % 5) + ", " + (i % 7 > 3 ? 1 : 0) + ")");
    }
    SpannerEmulatorResource.current()
        .dml(
            SpannerEmulatorResource.INSTANCE,
            "features",
            List.of(
                "INSERT INTO examples (example_id, a, b, label) VALUES "
                    + String.join(", ", values)));
  }

  static io.restassured.response.ValidatableResponse post(Map<String, Object> body) {
    return given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(body)
        .post("/v1/runs")
        .then();
  }

  static Map<String, Object> run(String name, List<String> inputs) {
    return Map.of(
        "name", name, "image", TRAINER_IMAGE, "args", List.of("--epochs", "20"), "inputs", inputs);
  }

  @Test
  void a_spanner_table_is_materialized_for_the_trainer_and_counted_in_resource_use()
      throws Exception {
    JsonPath created =
        post(run("from-spanner", List.of(DB + "?table=examples")))
            .statusCode(201)
            .extract()
            .jsonPath();
    assertThat(created.getString("inputs[0].kind")).isEqualTo("spanner");
    assertThat(created.getString("inputs[0].sql")).isEqualTo("SELECT * FROM `examples`");

    JsonPath done =
        RunsApiTest.awaitRun(
            created.getString("id"), s -> !s.matches("QUEUED|PROVISIONING|RUNNING"));

    assertThat(done.getString("state")).as(done.prettify()).isEqualTo("SUCCEEDED");
    assertThat(done.getLong("resourceUse.inputBytes")).isPositive();
    try (InputStream model =
        RunsApiTest.store()
            .read(ObjectUri.parse(done.getString("artifactUri") + "model.json"))
            .stream()) {
      assertThat(new String(model.readAllBytes(), StandardCharsets.UTF_8))
          .contains("\"a\"", "\"b\"")
          .doesNotContain("example_id");
    }
  }

  @Test
  void a_dml_query_is_400_naming_the_input() {
    post(run("dml", List.of("gs://data/x", DB + "?sql=DELETE FROM examples WHERE true")))
        .statusCode(400)
        .body("errors[0].field", equalTo("spec.inputs[1]"))
        .body("errors[0].message", containsString("DELETE"));
    post(run("dml-bq", List.of("bq://mlcp-test?query=DROP TABLE d.t")))
        .statusCode(400)
        .body("errors[0].field", equalTo("spec.inputs[0]"));
  }

  @Test
  void a_table_the_caller_has_no_grant_for_is_403() {
    post(run("secret", List.of("bq://mlcp-test.restricted.salaries")))
        .statusCode(403)
        .body("detail", containsString("ana@example.com may not read bq://mlcp-test.restricted"));
  }

  @Test
  void a_table_that_does_not_exist_is_422_naming_it() {
    post(run("missing", List.of(DB + "?table=nope")))
        .statusCode(422)
        .body("detail", containsString("has no table nope"));
  }
}
