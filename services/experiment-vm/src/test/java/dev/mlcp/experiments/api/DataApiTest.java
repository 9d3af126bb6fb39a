package dev.mlcp.experiments.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import dev.mlcp.experiments.LocalNotebookResource;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BigQuery discovery over the REST API against the local warehouse and its sample dataset. */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalNotebookResource.class)
public class DataApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String BOB = TestTokens.googleIdToken("bob@example.com").sign();

  @Test
  void datasets_tables_details_and_a_bounded_preview() {
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/datasets")
        .then()
        .statusCode(200)
        .body("datasets", hasItems("samples", "mlcp_scratch"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/datasets/samples/tables")
        .then()
        .statusCode(200)
        .body("tables", hasItems("customers"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/datasets/samples/tables/customers")
        .then()
        .statusCode(200)
        .body("numRows", equalTo(500))
        .body("schema.name", hasItems("customer_id", "churned"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/datasets/samples/tables/customers/preview?limit=3")
        .then()
        .statusCode(200)
        .body("rows.size()", equalTo(3));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/datasets/samples/tables/customers/preview?limit=5000")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("limit"));
    given().auth().oauth2(ANA).get("/v1/datasets/samples/tables/nope").then().statusCode(404);
  }

  @Test
  void a_dry_run_says_what_a_query_is_scans_and_costs() {
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("sql", "SELECT plan, COUNT(*) AS n FROM samples.customers GROUP BY plan"))
        .post("/v1/queries:dryRun")
        .then()
        .statusCode(200)
        .body("statementType", equalTo("SELECT"))
        .body("readOnly", equalTo(true))
        .body("withinCap", equalTo(true))
        .body("schema.name", hasItems("plan", "n"));
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("sql", "DELETE FROM samples.customers WHERE true"))
        .post("/v1/queries:dryRun")
        .then()
        .statusCode(200)
        .body("readOnly", equalTo(false));
  }

  @Test
  void a_select_runs_into_a_table_usable_for_training_and_its_result_pages_for_its_owner_only() {
    JsonPath q =
        given()
            .auth()
            .oauth2(ANA)
            .contentType("application/json")
            .body(
                Map.of(
                    "sql",
                    "SELECT customer_id, churned FROM samples.customers WHERE tenure_months < 12"))
            .post("/v1/queries?pageSize=10")
            .then()
            .statusCode(201)
            .body("destination", startsWith("bq://"))
            .body("destination", containsString(".mlcp_scratch.q_"))
            .extract()
            .jsonPath();
    assertThat(q.getList("rows")).hasSize(10);
    String id = q.getString("id");
    String next = q.getString("nextPageToken");

    JsonPath page =
        given()
            .auth()
            .oauth2(ANA)
            .get("/v1/queries/" + id + "/results?pageSize=5&pageToken=" + next)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(page.getList("rows")).hasSize(5);
    given().auth().oauth2(BOB).get("/v1/queries/" + id + "/results").then().statusCode(403);
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/queries/q_00000000000000000000000000/results")
        .then()
        .statusCode(404);
  }

  @Test
  void ddl_dml_and_scripts_are_refused_with_their_statement_type() {
    for (String sql :
        List.of(
            "DROP TABLE samples.customers",
            "UPDATE samples.customers SET churned = true",
            "SELECT 1; DELETE FROM samples.customers")) {
      given()
          .auth()
          .oauth2(ANA)
          .contentType("application/json")
          .body(Map.of("sql", sql))
          .post("/v1/queries")
          .then()
          .statusCode(400)
          .contentType(containsString("application/problem+json"))
          .body("errors[0].field", equalTo("sql"))
          .body("detail", containsString("only read-only queries run here"));
    }
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/datasets/samples/tables/customers")
        .then()
        .body("numRows", equalTo(500));
  }
}
