package dev.mlcp.experiments.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.mlcp.experiments.LocalNotebookResource;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Notebook VMs over the REST API in local mode: each VM is a process running the real agent in
 * notebook mode, serving the fake JupyterLab and writing its heartbeat to the local metadata
 * server's guest attributes.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalNotebookResource.class)
public class ExperimentsApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String BOB = TestTokens.googleIdToken("bob@example.com").sign();
  static final String ADMIN = TestTokens.googleIdToken("admin@example.com").sign();
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final List<String> created = new CopyOnWriteArrayList<>();

  String name(String base) {
    String name = base + "-" + NAMES.incrementAndGet() + "-" + (System.nanoTime() % 100000);
    created.add(name);
    return name;
  }

  @AfterEach
  void cleanUp() {
    for (String name : created) {
      given().auth().oauth2(ADMIN).delete("/v1/experiments/" + name);
    }
  }

  static JsonPath create(String token, Map<String, Object> body) {
    return given()
        .auth()
        .oauth2(token)
        .contentType("application/json")
        .body(body)
        .post("/v1/experiments")
        .then()
        .statusCode(201)
        .extract()
        .jsonPath();
  }

  static JsonPath get(String token, String name) {
    return given()
        .auth()
        .oauth2(token)
        .get("/v1/experiments/" + name)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  static JsonPath await(String name, Predicate<JsonPath> condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonPath e;
    do {
      e = get(ADMIN, name);
      if (condition.test(e)) {
        return e;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("experiment " + name + " stayed " + e.prettify());
  }

  static boolean vmDirExists(String instance) {
    return Files.exists(
        LocalNotebookResource.stateDir()
            .resolve("instances")
            .resolve(instance)
            .resolve("instance.json"));
  }

  @Test
  void created_notebook_runs_reports_its_url_and_serves_it() throws Exception {
    String name = name("ana-nb");
    JsonPath e = create(ANA, Map.of("name", name, "ttl", "PT2H", "idleTimeout", "PT30M"));

    assertThat(e.getString("state")).isEqualTo("RUNNING");
    assertThat(e.getString("instance")).isEqualTo("nb-" + name);
    assertThat(e.getString("internalIp")).isEqualTo("127.0.0.1");
    assertThat(e.getString("idleTimeout")).isEqualTo("PT30M");
    assertThat(vmDirExists("nb-" + name)).isTrue();

    JsonPath seen = await(name, x -> x.getString("connect.url") != null);

    assertThat(seen.getString("vmStatus")).isEqualTo("RUNNING");
    assertThat(seen.getString("activity.jupyter")).isEqualTo("up");
    assertThat(seen.getString("activity.server")).isEqualTo("fallback");
    assertThat(seen.getString("idle")).isEqualTo("ACTIVE");
    assertThat(seen.getString("heartbeatAt")).isNotNull();
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(seen.getString("connect.url"))).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("mlcp local notebook");
  }

  @Test
  void listing_shows_the_callers_own_and_admins_see_everyones() {
    String ana = name("ana-list");
    String bob = name("bob-list");
    create(ANA, Map.of("name", ana));
    create(BOB, Map.of("name", bob));

    List<String> anas =
        given()
            .auth()
            .oauth2(ANA)
            .get("/v1/experiments?pageSize=200")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("experiments.name");
    List<String> all =
        given()
            .auth()
            .oauth2(ADMIN)
            .get("/v1/experiments?state=RUNNING&pageSize=200")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("experiments.name");

    assertThat(anas).contains(ana).doesNotContain(bob);
    assertThat(all).contains(ana, bob);
    given().auth().oauth2(ANA).get("/v1/experiments?owner=bob@example.com").then().statusCode(403);
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/experiments?state=SLEEPING")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("state"));
  }

  @Test
  void another_users_experiment_is_forbidden() {
    String name = name("ana-private");
    create(ANA, Map.of("name", name));

    given()
        .auth()
        .oauth2(BOB)
        .get("/v1/experiments/" + name)
        .then()
        .statusCode(403)
        .contentType(containsString("application/problem+json"));
    given().auth().oauth2(BOB).delete("/v1/experiments/" + name).then().statusCode(403);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(BOB)
        .post("/v1/experiments/" + name + ":stop")
        .then()
        .statusCode(403);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(BOB)
        .contentType("application/json")
        .body(Map.of("by", "PT1H"))
        .post("/v1/experiments/" + name + ":extend")
        .then()
        .statusCode(403);
    given().auth().oauth2(BOB).get("/v1/experiments/no-such-thing").then().statusCode(404);
    assertThat(get(ANA, name).getString("state")).isEqualTo("RUNNING");
  }

  @Test
  void requests_beyond_the_rules_or_the_caps_are_refused_naming_field_and_cap() {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", "Bad_Name"))
        .post("/v1/experiments")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("name"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", name("ana-ttl"), "ttl", "PT48H"))
        .post("/v1/experiments")
        .then()
        .statusCode(400)
        .body("detail", containsString("mlcp.experiments.caps.max-ttl = PT24H"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(
            Map.of(
                "name",
                name("ana-gpu"),
                "machineType",
                "n1-standard-8",
                "acceleratorType",
                "nvidia-h100-80gb",
                "acceleratorCount",
                1))
        .post("/v1/experiments")
        .then()
        .statusCode(400)
        .body("detail", containsString("mlcp.experiments.caps.allowed-accelerators"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", name("ana-dur"), "idleTimeout", "an hour"))
        .post("/v1/experiments")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("idleTimeout"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", name("ana-zones"), "zones", List.of("Not A Zone")))
        .post("/v1/experiments")
        .then()
        .statusCode(400);
  }

  @Test
  void stop_and_start_keep_the_notebook_and_extend_is_bounded() throws Exception {
    String name = name("ana-pause");
    create(ANA, Map.of("name", name, "ttl", "PT1H"));

    JsonPath stopped =
        given()
            .urlEncodingEnabled(false)
            .auth()
            .oauth2(ANA)
            .post("/v1/experiments/" + name + ":stop")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(stopped.getString("state")).isEqualTo("STOPPED");
    assertThat(await(name, x -> "TERMINATED".equals(x.getString("vmStatus"))).getString("state"))
        .isEqualTo("STOPPED");
    assertThat(vmDirExists("nb-" + name)).isTrue(); // the disk is kept

    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .post("/v1/experiments/" + name + ":start")
        .then()
        .statusCode(200)
        .body("state", equalTo("RUNNING"));
    await(name, x -> "RUNNING".equals(x.getString("vmStatus")));

    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("by", "PT2H"))
        .post("/v1/experiments/" + name + ":extend")
        .then()
        .statusCode(200);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("by", "PT30H"))
        .post("/v1/experiments/" + name + ":extend")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("by"))
        .body("detail", containsString("mlcp.experiments.caps.max-ttl"));
  }

  @Test
  void delete_is_idempotent_and_the_vm_is_gone() throws Exception {
    String name = name("ana-done");
    create(ANA, Map.of("name", name));

    given()
        .auth()
        .oauth2(ANA)
        .delete("/v1/experiments/" + name)
        .then()
        .statusCode(200)
        .body("state", equalTo("DELETED"));
    given()
        .auth()
        .oauth2(ANA)
        .delete("/v1/experiments/" + name)
        .then()
        .statusCode(200)
        .body("state", equalTo("DELETED"))
        .body("reason", equalTo("deleted by ana@example.com"));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (vmDirExists("nb-" + name) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(vmDirExists("nb-" + name)).isFalse();
  }

  @Test
  void the_reaper_is_for_admins_and_stops_a_notebook_left_idle() throws Exception {
    String name = name("ana-idle");
    create(ANA, Map.of("name", name, "idleTimeout", "PT2S"));
    await(name, x -> x.getString("heartbeatAt") != null);

    given().auth().oauth2(ANA).post("/internal/reap").then().statusCode(403);
    Thread.sleep(2_500);
    JsonPath report =
        given()
            .auth()
            .oauth2(ADMIN)
            .post("/internal/reap")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();

    assertThat(report.getList("actions", String.class))
        .anyMatch(a -> a.startsWith("stopped nb-" + name));
    JsonPath e = get(ANA, name);
    assertThat(e.getString("state")).isEqualTo("STOPPED");
    assertThat(e.getString("reason")).contains("idle for");
  }
}
