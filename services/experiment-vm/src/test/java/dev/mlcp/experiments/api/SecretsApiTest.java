package dev.mlcp.experiments.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.mlcp.experiments.LocalNotebookResource;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Secrets over the REST API: the rule, the audit, and no value where it does not belong. */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalNotebookResource.class)
public class SecretsApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String BOB = TestTokens.googleIdToken("bob@example.com").sign();
  static final String EVE = TestTokens.googleIdToken("eve@example.com").sign();
  static final String ADMIN = TestTokens.googleIdToken("admin@example.com").sign();
  private static final AtomicInteger NAMES = new AtomicInteger();

  static String newName() {
    return "api-key-" + NAMES.incrementAndGet() + "-" + System.nanoTime() % 100000;
  }

  static void create(String name, String value, List<String> readers) {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(
            Map.of(
                "name",
                name,
                "value",
                value,
                "labels",
                Map.of("vendor", "openai"),
                "readers",
                readers))
        .post("/v1/secrets")
        .then()
        .statusCode(201)
        .body("owner", equalTo("ana@example.com"))
        .body("readers", hasItem("bob@example.com"))
        .body(not(containsString(value)));
  }

  @Test
  void values_go_to_the_owner_readers_and_admins_only() {
    String name = newName();
    String value = "sk-test-" + name;
    create(name, value, List.of("bob@example.com"));

    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(200)
        .header("Cache-Control", equalTo("no-store"))
        .body("value", equalTo(value))
        .body("version", equalTo("1"));
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(BOB)
        .get("/v1/secrets/" + name + ":access?version=1")
        .then()
        .statusCode(200)
        .body("value", equalTo(value));
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ADMIN)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(200);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(EVE)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(403)
        .body(not(containsString(value)));
    given()
        .auth()
        .oauth2(EVE)
        .get("/v1/secrets")
        .then()
        .statusCode(200)
        .body("secrets.find { it.name == '" + name + "' }.mayRead", equalTo(false))
        .body(not(containsString(value)));
  }

  @Test
  void only_the_owner_writes_and_every_use_is_in_the_audit() {
    String name = newName();
    create(name, "sk-one-" + name, List.of("bob@example.com"));

    given()
        .auth()
        .oauth2(BOB)
        .contentType("application/json")
        .body(Map.of("value", "x"))
        .post("/v1/secrets/" + name + "/versions")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("value", "sk-two-" + name))
        .post("/v1/secrets/" + name + "/versions")
        .then()
        .statusCode(201)
        .body("version", equalTo("2"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("readers", List.of("eve@example.com")))
        .put("/v1/secrets/" + name + "/readers")
        .then()
        .statusCode(200)
        .body("readers", equalTo(List.of("eve@example.com")));
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(EVE)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(200)
        .body("version", equalTo("2"));
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(BOB)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(403);

    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/secrets/" + name + "/accesses")
        .then()
        .statusCode(200)
        // Newest first; the refused write and read are in the trail too.
        .body(
            "accesses.action",
            equalTo(
                List.of("ACCESS", "ACCESS", "SET_READERS", "ADD_VERSION", "ADD_VERSION", "CREATE")))
        .body(
            "accesses.outcome",
            equalTo(List.of("DENIED", "GRANTED", "GRANTED", "GRANTED", "DENIED", "GRANTED")))
        .body("accesses[0].actor", equalTo("bob@example.com"))
        .body("accesses[0].outcome", equalTo("DENIED"))
        .body("accesses[1].actor", equalTo("eve@example.com"))
        .body("accesses[1].version", equalTo("2"))
        .body("accesses[1].outcome", equalTo("GRANTED"))
        .body(not(containsString("sk-two-")));
    given().auth().oauth2(BOB).get("/v1/secrets/" + name + "/accesses").then().statusCode(403);
  }

  @Test
  void bad_requests_name_the_field_and_never_echo_the_value() {
    String value = "sk-never-echo-" + System.nanoTime();
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", "has space", "value", value))
        .post("/v1/secrets")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("name"))
        .body(not(containsString(value)));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", newName(), "value", value, "readers", List.of("not an email")))
        .post("/v1/secrets")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("readers"))
        .body(not(containsString(value)));
    String name = newName();
    create(name, value, List.of("bob@example.com"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", name, "value", value))
        .post("/v1/secrets")
        .then()
        .statusCode(409)
        .body(not(containsString(value)));
  }
}
