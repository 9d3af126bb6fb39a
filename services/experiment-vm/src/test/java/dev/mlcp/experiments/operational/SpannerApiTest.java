package dev.mlcp.experiments.operational;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.SpannerEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Spanner browsing API against the real Spanner emulator. */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(SpannerEmulatorResource.class)
class SpannerApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String DB =
      "/v1/spanner/databases/" + SpannerEmulatorResource.INSTANCE + "/features";

  @BeforeAll
  static void seed() {
    SpannerEmulatorResource.current()
        .createDatabase(
            SpannerEmulatorResource.INSTANCE,
            "features",
            List.of(
                "CREATE TABLE users (user_id INT64 NOT NULL, country STRING(2), purchases INT64)"
                    + " PRIMARY KEY (user_id)"));
    SpannerEmulatorResource.current()
        .dml(
            SpannerEmulatorResource.INSTANCE,
            "features",
            List.of(
                "INSERT INTO users (user_id, country, purchases) VALUES (1, 'NL', 3), (2, 'DE', 0),"
                    + " (3, 'NL', 7)"));
  }

  @Test
  void reads_need_a_token() {
    given().get("/v1/spanner/databases").then().statusCode(401);
  }

  @Test
  void lists_databases_and_tables_with_schemas() {
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/spanner/databases")
        .then()
        .statusCode(200)
        .body("databases.database", hasItem("features"));
    given()
        .auth()
        .oauth2(ANA)
        .get(DB + "/tables")
        .then()
        .statusCode(200)
        .body("tables[0].name", equalTo("users"))
        .body("tables[0].primaryKey", contains("user_id"))
        .body("tables[0].columns.type", contains("INT64", "STRING(2)", "INT64"));
  }

  @Test
  void previews_a_table_within_the_row_limit() {
    given()
        .auth()
        .oauth2(ANA)
        .urlEncodingEnabled(false) // a literal ':' as curl sends it, not %3A
        .get(DB + "/tables/users:preview?maxRows=2")
        .then()
        .statusCode(200)
        .body("rows.size()", equalTo(2))
        .body("truncated", equalTo(true));
    given()
        .auth()
        .oauth2(ANA)
        .urlEncodingEnabled(false) // a literal ':' as curl sends it, not %3A
        .get(DB + "/tables/users:preview?maxRows=5000")
        .then()
        .statusCode(400);
  }

  @Test
  void runs_a_read_only_query_with_parameters() {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(
            Map.of(
                "instance",
                SpannerEmulatorResource.INSTANCE,
                "database",
                "features",
                "sql",
                "SELECT user_id FROM users WHERE country = @c ORDER BY user_id",
                "params",
                Map.of("c", "NL")))
        .post("/v1/spanner/queries")
        .then()
        .statusCode(200)
        .body("columns.name", contains("user_id"))
        .body("rows", equalTo(List.of(List.of(1), List.of(3))));
  }

  @Test
  void dml_ddl_and_bad_ids_are_400_and_unknown_things_404() {
    for (String sql :
        List.of(
            "DELETE FROM users WHERE true",
            "DROP TABLE users",
            "SELECT 1; DELETE FROM users WHERE true")) {
      given()
          .auth()
          .oauth2(ANA)
          .contentType("application/json")
          .body(
              Map.of(
                  "instance", SpannerEmulatorResource.INSTANCE, "database", "features", "sql", sql))
          .post("/v1/spanner/queries")
          .then()
          .statusCode(400)
          .body("detail", containsString(sql.startsWith("SELECT") ? "one statement" : "read-only"));
    }
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/spanner/databases/BAD_ID/features/tables")
        .then()
        .statusCode(400);
    given()
        .auth()
        .oauth2(ANA)
        .urlEncodingEnabled(false)
        .get(DB + "/tables/nope:preview")
        .then()
        .statusCode(404)
        .body(
            "detail",
            org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("Nothing is served")));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/spanner/databases/other-inst/features/tables")
        .then()
        .statusCode(404);
  }
}
