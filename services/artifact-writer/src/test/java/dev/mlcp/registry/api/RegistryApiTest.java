package dev.mlcp.registry.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.DeployEvent;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.Machine;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.registry.RegistryStateResource;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * artifact-writer over its REST API and Pub/Sub, against the real emulator and the local
 * ObjectStore and DuckDB: {@code run.succeeded} published on {@code run-events} as training-runner
 * publishes it, the staged outputs written where training-runner's VM agent writes them.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(RegistryStateResource.class)
public class RegistryApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String BOB = TestTokens.googleIdToken("bob@example.com").sign();
  static final String ADMIN = TestTokens.googleIdToken("admin@example.com").sign();
  static final String CI = "//cloudbuild/mlcp-test/train";
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1";
  static final AtomicInteger RUNS = new AtomicInteger((int) (System.nanoTime() % 1_000_000));

  /**
   * Waits until the app reports ready (topics provisioned, pulls running): a run-events publish
   * before its topic exists fails.
   */
  @BeforeEach
  void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (given().get("/q/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  static ObjectStore store() {
    return new LocalDirectoryObjectStore(RegistryStateResource.stateDir().resolve("objects"));
  }

  static String newRunId() {
    return String.format("run-%026d", RUNS.incrementAndGet());
  }

  /** Stages a model's outputs for {@code runId} and publishes its run.succeeded. */
  static void trained(
      String runId, String model, String owner, String via, String by, double accuracy) {
    ObjectStore store = store();
    ObjectUri staging = ObjectUri.parse("gs://mlcp-test-staging/staging/" + runId + "/");
    store.write(
        staging.resolve("model.json"),
        ("{\"run\":\"" + runId + "\"}").getBytes(StandardCharsets.UTF_8),
        "application/json",
        WriteCondition.none());
    store.write(
        staging.resolve("metrics.json"),
        ("{\"accuracy\":" + accuracy + "}").getBytes(StandardCharsets.UTF_8),
        "application/json",
        WriteCondition.none());
    publish(
        new RunEvent.Succeeded(
            runId,
            owner,
            1,
            model,
            IMAGE,
            staging.toString(),
            new Machine("n1-standard-4", null, 0, false),
            new ResourceUse(60, 50, 1000, 0),
            0.01,
            Instant.now().minusSeconds(60),
            Instant.now(),
            Map.of(),
            new RunProvenance(
                via, by, null, List.of(), List.of(), List.of(), List.of(), List.of(), "z")),
        runId + ".3");
  }

  static void publish(RunEvent.Succeeded event, String ceId) {
    EncodedEvent encoded =
        new CloudEventCodec()
            .encode(
                new EventEnvelope<>(ceId, "//mlcp/training-runner", Instant.now(), null, event));
    PubSubEmulatorResource.current()
        .clients()
        .publish("run-events", encoded.data(), encoded.attributes());
  }

  static void publishDeploy(DeployEvent event, String ceId) {
    EncodedEvent encoded =
        new CloudEventCodec()
            .encode(
                new EventEnvelope<>(ceId, "//mlcp/serving-deployer", Instant.now(), null, event));
    PubSubEmulatorResource.current()
        .clients()
        .publish("deploy-events", encoded.data(), encoded.attributes());
  }

  static JsonPath await(String token, String path, int status) throws InterruptedException {
    return await(token, path, status, json -> true);
  }

  /**
   * Polls {@code path} until it answers {@code status} with a body that satisfies {@code until}.
   */
  static JsonPath await(
      String token, String path, int status, java.util.function.Predicate<JsonPath> until)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int last;
    String body;
    do {
      var response = given().auth().oauth2(token).get(path);
      last = response.statusCode();
      body = response.asString();
      if (last == status && until.test(response.jsonPath())) {
        return response.jsonPath();
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(path + " answered " + last + ": " + body);
  }

  static void policy(String model, String token) {
    given()
        .auth()
        .oauth2(token)
        .contentType("application/json")
        .body(
            Map.of(
                "checks",
                    List.of(Map.of("metric", "accuracy", "direction", "higher", "threshold", 0.8)),
                "promoteTo", List.of("champion", "production"),
                "protectedAliases", List.of("production")))
        .put("/v1/models/" + model + "/policy")
        .then()
        .statusCode(200)
        .body("protectedAliases", hasItems("production"));
  }

  @Test
  void serving_deployers_rollout_on_deploy_events_shows_in_the_versions_lineage() throws Exception {
    String model = "api-deployed";
    trained(newRunId(), model, "ana@example.com", "pubsub", CI, 0.9);
    await(
        ANA,
        "/v1/models/" + model + "/versions/1",
        200,
        v -> "REGISTERED".equals(v.getString("state")));
    String dep = "dep-" + newRunId();
    String rev = "api-deployed-00001";

    // Out of order and redelivered, as Pub/Sub may deliver; a start naming a version the
    // registry does not hold is acked and dropped.
    publishDeploy(
        new DeployEvent.Succeeded(dep, "api-deployed-svc", rev, 100, "http://127.0.0.1:1/"),
        dep + ".9");
    publishDeploy(
        new DeployEvent.Started(dep, "api-deployed-svc", rev, model, "v1", null, "cloud-run"),
        dep + ".1");
    publishDeploy(
        new DeployEvent.Started(dep, "api-deployed-svc", rev, model, "v1", null, "cloud-run"),
        dep + ".1");
    publishDeploy(
        new DeployEvent.Progressed(dep, "api-deployed-svc", rev, "traffic-10", 10), dep + ".2");
    publishDeploy(
        new DeployEvent.Started("dep-x", "api-deployed-svc", "r", model, "v77", null, "gce"),
        "dep-x.1");

    JsonPath lineage =
        await(
            ANA,
            "/v1/models/" + model + "/versions/1/lineage",
            200,
            l ->
                l.getList("deployments").size() == 1
                    && "SUCCEEDED".equals(l.getString("deployments[0].state")));
    assertThat(lineage.getString("deployments[0].deploymentId")).isEqualTo(dep);
    assertThat(lineage.getString("deployments[0].service")).isEqualTo("api-deployed-svc");
    assertThat(lineage.getString("deployments[0].revision")).isEqualTo(rev);
    assertThat(lineage.getString("deployments[0].state")).isEqualTo("SUCCEEDED");
    assertThat(lineage.getInt("deployments[0].trafficPercent")).isEqualTo(100);
    assertThat(lineage.getString("deployments[0].url")).isEqualTo("http://127.0.0.1:1/");
    assertThat(lineage.getString("deployments[0].startedAt")).isNotNull();
  }

  @Test
  void a_cloud_build_run_becomes_a_verified_version_the_gate_promotes_to_production()
      throws Exception {
    String model = "api-churn";
    policy(model, ANA);
    Instant before = Instant.now();
    String run = newRunId();

    trained(run, model, "ana@example.com", "pubsub", CI, 0.93);

    // The version exists from its claim on; it is REGISTERED once its files are copied.
    JsonPath version =
        await(
            ANA,
            "/v1/models/" + model + "/versions/1",
            200,
            v -> !"CLAIMED".equals(v.getString("state")));
    assertThat(version.getString("state")).isEqualTo("REGISTERED");
    assertThat(version.getString("version")).isEqualTo("v1");
    assertThat(version.getString("manifest.files[1].path")).isEqualTo("model.json");
    assertThat(version.getString("manifest.run.requestedBy")).isEqualTo(CI);
    String sha = version.getString("manifestSha256");
    assertThat(sha).hasSize(64);
    await(ANA, "/v1/registrations/" + run, 200);
    given()
        .auth()
        .oauth2(ANA)
        .urlEncodingEnabled(false)
        .get("/v1/models/" + model + "/versions/v1:verify")
        .then()
        .statusCode(200)
        .body("verified", equalTo(true))
        .body("manifestSha256", equalTo(sha));
    String bytes =
        given()
            .auth()
            .oauth2(ANA)
            .urlEncodingEnabled(false)
            .get("/v1/models/" + model + "/versions/1:download?file=model.json")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(bytes).isEqualTo("{\"run\":\"" + run + "\"}");
    given()
        .auth()
        .oauth2(ANA)
        .urlEncodingEnabled(false)
        .get("/v1/models/" + model + "/versions/1:download?file=../../../../secrets")
        .then()
        .statusCode(404);
    // A protected alias answers before the gate has moved it (no version yet).
    JsonPath production =
        await(
            ANA,
            "/v1/models/" + model + "/aliases/production",
            200,
            a -> a.getString("version") != null);
    assertThat(production.getString("version")).isEqualTo("v1");
    assertThat(production.getString("history[0].via")).isEqualTo("gate");
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/models/" + model + "/aliases/production?at=" + before.minusSeconds(60))
        .then()
        .statusCode(404);
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/models/" + model + "/aliases/production?at=" + Instant.now().plusSeconds(1))
        .then()
        .statusCode(200)
        .body("version", equalTo("v1"));
    assertThat(await(ANA, "/v1/models/" + model + "/versions/1/lineage", 200).getString("run.id"))
        .isEqualTo(run);

    // A second version below the threshold fails the gate; production is protected.
    trained(newRunId(), model, "ana@example.com", "pubsub", CI, 0.5);
    JsonPath v2 = await(ANA, "/v1/models/" + model + "/versions/2", 200);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!"FAILED".equals(v2.getString("gate.outcome")) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      v2 = await(ANA, "/v1/models/" + model + "/versions/2", 200);
    }
    assertThat(v2.getString("gate.outcome")).isEqualTo("FAILED");
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("version", "v2", "reason", "try it"))
        .post("/v1/models/" + model + "/aliases/production")
        .then()
        .statusCode(403)
        .contentType(containsString("application/problem+json"))
        .body("detail", containsString("protected"));
    given()
        .auth()
        .oauth2(ADMIN)
        .contentType("application/json")
        .body(Map.of("version", 2, "reason", "INC-7 hotfix"))
        .post("/v1/models/" + model + "/aliases/production")
        .then()
        .statusCode(200)
        .body("version", equalTo("v2"))
        .body("history[0].via", equalTo("admin"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/models/" + model + "/versions?pageSize=1")
        .then()
        .statusCode(200)
        .body("versions[0].version", equalTo("v2"))
        .body("nextPageToken", org.hamcrest.Matchers.notNullValue());
  }

  @Test
  void duplicate_deliveries_through_pubsub_make_one_version() throws Exception {
    String model = "api-dup";
    String run = newRunId();
    trained(run, model, "ana@example.com", "pubsub", CI, 0.9);
    for (int i = 0; i < 20; i++) {
      trained(run, model, "ana@example.com", "pubsub", CI, 0.9);
    }

    await(ANA, "/v1/registrations/" + run, 200);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonPath r = await(ANA, "/v1/registrations/" + run, 200);
    while (!"DONE".equals(r.getString("state")) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = await(ANA, "/v1/registrations/" + run, 200);
    }
    Thread.sleep(1000);
    List<String> versions =
        await(ANA, "/v1/models/" + model + "/versions", 200).getList("versions.version");
    assertThat(versions).containsExactly("v1");
  }

  @Test
  void an_ad_hoc_run_is_rejected_and_its_registration_says_why() throws Exception {
    String run = newRunId();
    trained(run, "api-adhoc", "ana@example.com", "api", "ana@example.com", 0.9);

    JsonPath r = await(ANA, "/v1/registrations/" + run, 200);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!"REJECTED".equals(r.getString("state")) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = await(ANA, "/v1/registrations/" + run, 200);
    }
    assertThat(r.getString("reason"))
        .isEqualTo("ad-hoc run: not registrable; trigger training through Cloud Build");
    given().auth().oauth2(BOB).get("/v1/registrations/" + run).then().statusCode(403);
  }

  @Test
  void evaluating_a_version_publishes_one_run_request_per_evaluator() throws Exception {
    String model = "api-eval";
    EmulatorClients clients = PubSubEmulatorResource.current().clients();
    clients.createPullSubscription("test.training-requests", "training-requests");
    trained(newRunId(), model, "ana@example.com", "pubsub", CI, 0.9);
    await(ANA, "/v1/models/" + model + "/versions/1", 200);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(
            Map.of(
                "evaluators",
                List.of(
                    Map.of("name", "attacks", "image", IMAGE, "args", List.of("--noise", "0.3")),
                    Map.of("name", "fairness", "image", IMAGE))))
        .put("/v1/models/" + model + "/evaluators")
        .then()
        .statusCode(200);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!"REGISTERED"
            .equals(await(ANA, "/v1/models/" + model + "/versions/1", 200).getString("state"))
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }

    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .urlEncodingEnabled(false)
        .post("/v1/models/" + model + "/versions/1:evaluate")
        .then()
        .statusCode(200)
        .body("evaluations.evaluator", hasItems("attacks", "fairness"))
        .body("evaluations.state", hasItems("REQUESTED"));

    var messages = clients.receive("test.training-requests", 2, Duration.ofSeconds(30));
    assertThat(messages).hasSize(2);
    assertThat(messages)
        .allSatisfy(
            m -> {
              assertThat(m.getAttributesMap())
                  .containsEntry("ce-source", "//mlcp/artifact-writer")
                  .containsEntry("ce-type", "dev.mlcp.training.requested.v1");
              assertThat(m.getData().toStringUtf8())
                  .contains("\"evaluates-model\":\"" + model + "\"")
                  .contains("models/" + model + "/versions/1/");
            });
    assertThat(
            await(ANA, "/v1/models/" + model + "/versions/1/evaluations", 200)
                .getList("evaluations"))
        .hasSize(2);
  }

  @Test
  void other_owners_get_403_and_bad_input_is_400_naming_the_field() throws Exception {
    policy("api-owned", ANA);

    given().auth().oauth2(BOB).get("/v1/models/api-owned").then().statusCode(403);
    given()
        .auth()
        .oauth2(BOB)
        .contentType("application/json")
        .body(Map.of())
        .put("/v1/models/api-owned/policy")
        .then()
        .statusCode(403);
    given().auth().oauth2(ADMIN).get("/v1/models/api-owned").then().statusCode(200);
    given().auth().oauth2(ANA).get("/v1/models/no-such-model").then().statusCode(404);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(
            Map.of(
                "checks", List.of(Map.of("metric", "accuracy", "direction", "up")),
                "promoteTo", List.of("Production")))
        .put("/v1/models/api-owned/policy")
        .then()
        .statusCode(400)
        .contentType(containsString("application/problem+json"))
        .body(
            "errors.field", hasItems("checks[0].direction", "checks[0].threshold", "promoteTo[0]"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/models?pageSize=0")
        .then()
        .statusCode(400)
        .body("errors.field", hasItems("pageSize"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/models?pageToken=forged")
        .then()
        .statusCode(400)
        .body("errors.field", hasItems("pageToken"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/models/api-owned/aliases/production?at=yesterday")
        .then()
        .statusCode(400)
        .body("errors.field", hasItems("at"));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("version", "latest"))
        .post("/v1/models/api-owned/aliases/production")
        .then()
        .statusCode(400)
        .body("errors.field", hasItems("version"));
    assertThat(
            given()
                .auth()
                .oauth2(BOB)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("models.owner"))
        .doesNotContain("ana@example.com");
  }

  @Test
  void reconcile_is_for_admins() {
    given().auth().oauth2(ANA).post("/internal/reconcile").then().statusCode(403);
    given()
        .auth()
        .oauth2(ADMIN)
        .post("/internal/reconcile")
        .then()
        .statusCode(200)
        .body("outboxFailures", equalTo(0));
  }
}
