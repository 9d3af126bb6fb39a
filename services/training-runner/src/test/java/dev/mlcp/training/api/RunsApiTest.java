package dev.mlcp.training.api;

import static dev.mlcp.training.LocalVmResource.TRAINER_IMAGE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingRequested;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import dev.mlcp.training.LocalVmResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * training-runner in local mode, end to end over its REST API: each run's "VM" is a process running
 * the real VM agent, which runs the sample trainer, uploads its outputs, publishes the completion
 * to the Pub/Sub emulator and deletes itself.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalVmResource.class)
public class RunsApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  static final String BOB = TestTokens.googleIdToken("bob@example.com").sign();
  static final String ADMIN = TestTokens.googleIdToken("admin@example.com").sign();

  /** The local instances, seen from outside the service: an instance is its state file. */
  static boolean vmExists(String instance) {
    return Files.exists(
        LocalVmResource.stateDir().resolve("instances").resolve(instance).resolve("instance.json"));
  }

  /** The local object store, read from outside the service. */
  static ObjectStore store() {
    return new LocalDirectoryObjectStore(LocalVmResource.stateDir().resolve("objects"));
  }

  static Map<String, Object> run(String name, List<String> args) {
    return Map.of("name", name, "image", TRAINER_IMAGE, "args", args);
  }

  static JsonPath submit(String token, Map<String, Object> body) {
    return given()
        .auth()
        .oauth2(token)
        .contentType("application/json")
        .body(body)
        .post("/v1/runs")
        .then()
        .statusCode(201)
        .extract()
        .jsonPath();
  }

  static JsonPath awaitRun(String id, Predicate<String> state) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonPath run;
    do {
      run =
          given()
              .auth()
              .oauth2(ANA)
              .get("/v1/runs/" + id)
              .then()
              .statusCode(200)
              .extract()
              .jsonPath();
      if (state.test(run.getString("state"))) {
        return run;
      }
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("run " + id + " stayed " + run.getString("state"));
  }

  void awaitVmGone(String zone, String instance) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (vmExists(instance) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(vmExists(instance)).as("VM " + instance + " exists").isFalse();
  }

  @Test
  void submitted_run_trains_on_a_local_vm_succeeds_and_its_vm_is_gone() throws Exception {
    JsonPath created = submit(ANA, run("churn", List.of("--epochs", "30")));
    String id = created.getString("id");
    assertThat(created.getString("state")).isEqualTo("RUNNING");
    assertThat(vmExists(created.getString("instance"))).isTrue();

    JsonPath done = awaitRun(id, "SUCCEEDED"::equals);

    assertThat(done.getString("artifactUri"))
        .isEqualTo("gs://mlcp-test-staging/staging/" + id + "/");
    assertThat(done.getDouble("resourceUse.wallSeconds")).isPositive();
    assertThat(done.getInt("exitCode")).isZero();
    assertThat(done.getList("history.state", String.class))
        .containsSubsequence("QUEUED", "PROVISIONING", "RUNNING", "SUCCEEDED");
    assertThat(store().stat(ObjectUri.parse(done.getString("artifactUri") + "model.json")))
        .isPresent();
    awaitVmGone(done.getString("zone"), done.getString("instance"));
    String logs =
        given()
            .auth()
            .oauth2(ANA)
            .get("/v1/runs/" + id + "/logs")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(logs).contains("epoch 30/30").contains("metrics:");
  }

  @Test
  void bad_input_fails_the_run_with_its_exit_code_and_the_vm_is_gone() throws Exception {
    String id = submit(ANA, run("bad-input", List.of("--lr", "-1"))).getString("id");

    JsonPath done = awaitRun(id, s -> s.equals("FAILED") || s.equals("SUCCEEDED"));

    assertThat(done.getString("state")).isEqualTo("FAILED");
    assertThat(done.getInt("exitCode")).isEqualTo(2);
    assertThat(done.getString("reason")).contains("status 2");
    awaitVmGone(done.getString("zone"), done.getString("instance"));
  }

  @Test
  void follow_streams_log_events_until_the_run_ends() {
    String id = submit(ANA, run("follow", List.of("--epochs", "50"))).getString("id");

    String stream =
        given()
            .auth()
            .oauth2(ANA)
            .accept("text/event-stream")
            .get("/v1/runs/" + id + "/logs?follow=true")
            .then()
            .statusCode(200)
            .contentType(containsString("text/event-stream"))
            .extract()
            .asString();

    assertThat(stream).contains("event: open").contains("event: log").contains("epoch 50/50");
    assertThat(stream).contains("event: end").contains("\"state\":\"SUCCEEDED\"");
    assertThat(stream.indexOf("event: end")).isGreaterThan(stream.lastIndexOf("event: log"));
  }

  @Test
  void cancel_kills_the_vm_and_ends_cancelled() throws Exception {
    JsonPath created = submit(ANA, run("long", List.of("--epochs", "100000")));
    String id = created.getString("id");

    given()
        .auth()
        .oauth2(ANA)
        .delete("/v1/runs/" + id)
        .then()
        .statusCode(200)
        .body("state", equalTo("CANCELLED"));

    awaitVmGone(created.getString("zone"), created.getString("instance"));
    assertThat(awaitRun(id, "CANCELLED"::equals).getString("reason")).contains("ana@example.com");
  }

  @Test
  void invalid_spec_is_400_problem_json_naming_each_field() {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", "Bad Name", "image", "ubuntu:22.04", "maxRunDurationSeconds", 5))
        .post("/v1/runs")
        .then()
        .statusCode(400)
        .contentType(containsString("application/problem+json"))
        .body("errors.field", hasItems("spec.name", "spec.image", "spec.maxRunDurationSeconds"));
  }

  @Test
  void body_without_required_fields_is_400() {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("image", TRAINER_IMAGE))
        .post("/v1/runs")
        .then()
        .statusCode(400)
        .contentType(containsString("application/problem+json"));
  }

  @Test
  void another_owners_run_is_403_and_an_admin_sees_it() {
    String id = submit(ANA, run("owned", List.of("--epochs", "5"))).getString("id");

    given().auth().oauth2(BOB).get("/v1/runs/" + id).then().statusCode(403);
    given().auth().oauth2(BOB).delete("/v1/runs/" + id).then().statusCode(403);
    given().auth().oauth2(ADMIN).get("/v1/runs/" + id).then().statusCode(200);
    given()
        .auth()
        .oauth2(BOB)
        .get("/v1/runs/run-00000000000000000000000000")
        .then()
        .statusCode(404);
  }

  @Test
  void list_shows_only_the_callers_runs() {
    submit(ANA, run("listed", List.of("--epochs", "5")));

    List<String> owners =
        given()
            .auth()
            .oauth2(BOB)
            .get("/v1/runs?pageSize=200")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("runs.owner");
    assertThat(owners).doesNotContain("ana@example.com");
    given().auth().oauth2(BOB).get("/v1/runs?owner=ana@example.com").then().statusCode(403);
    given().auth().oauth2(ANA).get("/v1/runs?state=NOPE").then().statusCode(400);
  }

  @Test
  void same_idempotency_key_returns_the_same_run() {
    Response first =
        given()
            .auth()
            .oauth2(ANA)
            .header("Idempotency-Key", "build-42")
            .contentType("application/json")
            .body(run("idem", List.of("--epochs", "5")))
            .post("/v1/runs");
    Response second =
        given()
            .auth()
            .oauth2(ANA)
            .header("Idempotency-Key", "build-42")
            .contentType("application/json")
            .body(run("idem", List.of("--epochs", "5")))
            .post("/v1/runs");

    assertThat(second.jsonPath().getString("id")).isEqualTo(first.jsonPath().getString("id"));
  }

  @Test
  void an_idempotency_key_reused_for_another_request_is_422_naming_the_key() {
    given()
        .auth()
        .oauth2(ANA)
        .header("Idempotency-Key", "build-43")
        .contentType("application/json")
        .body(run("idem", List.of("--epochs", "5")))
        .post("/v1/runs")
        .then()
        .statusCode(201);

    given()
        .auth()
        .oauth2(ANA)
        .header("Idempotency-Key", "build-43")
        .contentType("application/json")
        .body(run("idem", List.of("--epochs", "6")))
        .post("/v1/runs")
        .then()
        .statusCode(422)
        .contentType(org.hamcrest.Matchers.containsString("application/problem+json"))
        .body("errors[0].field", org.hamcrest.Matchers.equalTo("Idempotency-Key"));
  }

  @Test
  void a_run_naming_a_secret_its_owner_may_not_read_is_403_naming_the_secret() {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(
            Map.of("name", "steal", "image", TRAINER_IMAGE, "secrets", List.of("prod-db-password")))
        .post("/v1/runs")
        .then()
        .statusCode(403)
        .body("detail", org.hamcrest.Matchers.containsString("prod-db-password"));
  }

  @Test
  void an_oversized_body_is_413_problem_json() {
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", "big", "image", TRAINER_IMAGE, "args", List.of("x".repeat(2_000_000))))
        .post("/v1/runs")
        .then()
        .statusCode(413)
        .contentType(org.hamcrest.Matchers.containsString("application/problem+json"));
  }

  @Test
  void training_request_published_on_pubsub_starts_a_run() throws Exception {
    TrainingRequested request =
        new TrainingRequested(
            "nightly-2026-11-23",
            "scheduler@proj.iam.gserviceaccount.com",
            RunSpec.of("nightly", TRAINER_IMAGE));
    EncodedEvent encoded =
        new CloudEventCodec().encode(EventEnvelope.of("//cloudscheduler/nightly", request));
    PubSubEmulatorResource.current()
        .clients()
        .publish("training-requests", encoded.data(), encoded.attributes());

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Map<String, Object>> runs = List.of();
    while (runs.isEmpty() && System.nanoTime() < deadline) {
      runs =
          given()
              .auth()
              .oauth2(ADMIN)
              .get("/v1/runs?pageSize=200&owner=scheduler@proj.iam.gserviceaccount.com")
              .then()
              .statusCode(200)
              .extract()
              .jsonPath()
              .getList("runs");
      Thread.sleep(200);
    }
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0)).containsEntry("name", "nightly");
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
        .body("instancesSeen", org.hamcrest.Matchers.greaterThanOrEqualTo(0));
  }

  @Test
  void vms_lists_the_running_runs_vm_as_owned_for_admins_only() throws Exception {
    JsonPath created = submit(ANA, run("vms-listed", List.of("--epochs", "200")));
    String id = created.getString("id");
    String instance = created.getString("instance");
    given().auth().oauth2(ANA).get("/v1/vms").then().statusCode(403);
    given().auth().oauth2(ADMIN).get("/v1/vms?pageSize=0").then().statusCode(400);

    List<Map<String, Object>> vms =
        given()
            .auth()
            .oauth2(ADMIN)
            .get("/v1/vms?pageSize=500")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("vms");
    // Listed right after the submit: the agent starts, trains 200 epochs, uploads, then deletes.
    Map<String, Object> vm =
        vms.stream().filter(v -> instance.equals(v.get("name"))).findFirst().orElseThrow();
    assertThat(vm)
        .containsEntry("runId", id)
        .containsEntry("owner", "ana@example.com")
        .containsEntry("runState", "RUNNING")
        .containsEntry("ownerLive", true)
        .containsEntry("status", "RUNNING");
    awaitRun(id, s -> s.equals("SUCCEEDED") || s.equals("FAILED"));
  }

  @Test
  void schedule_tick_fires_at_most_one_run() {
    Map<String, Object> schedule =
        Map.of("cron", "0 3 * * *", "template", run("nightly-sched", List.of("--epochs", "5")));
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(schedule)
        .put("/v1/schedules/nightly")
        .then()
        .statusCode(200)
        .body("owner", equalTo("ana@example.com"));

    String first =
        given()
            .auth()
            .oauth2(ANA)
            .urlEncodingEnabled(false)
            .header("X-CloudScheduler-ScheduleTime", "2026-11-23T03:00:00Z")
            .post("/v1/schedules/nightly:fire")
            .then()
            .log()
            .ifValidationFails()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getString("id");
    String again =
        given()
            .auth()
            .oauth2(ANA)
            .urlEncodingEnabled(false)
            .header("X-CloudScheduler-ScheduleTime", "2026-11-23T03:00:20Z")
            .post("/v1/schedules/nightly:fire")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getString("id");

    assertThat(again).isEqualTo(first);
    given().auth().oauth2(BOB).get("/v1/schedules/nightly").then().statusCode(403);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("cron", "every day", "template", run("x", List.of())))
        .put("/v1/schedules/bad")
        .then()
        .statusCode(400)
        .body("errors.field", hasItems("cron"));
  }
}
