package dev.mlcp.registry.models;

import static dev.mlcp.registry.models.RegistryFixture.CI;
import static dev.mlcp.registry.models.RegistryFixture.OWNER;
import static dev.mlcp.registry.models.RegistryFixture.runId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.events.ModelEvent;
import dev.mlcp.events.RunEvent;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.state.PendingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrationTest {
  @TempDir Path dir;

  @Test
  void cloud_build_run_becomes_version_1_with_a_manifest_and_its_staging_is_deleted()
      throws Exception {
    RegistryFixture f = new RegistryFixture(dir);
    String run = runId(1);
    f.stageModel(run, 0.91);

    Registration r = f.registrations.onSucceeded(f.ciRun(run, "churn")).orElseThrow();

    assertThat(r.state()).isEqualTo(Registration.RegistrationState.DONE);
    ModelVersion v = f.repo.registered("churn", 1);
    assertThat(v.uri()).isEqualTo("gs://mlcp-test-models/models/churn/versions/1/");
    assertThat(v.metrics()).containsEntry("accuracy", 0.91).containsEntry("loss", 0.3);
    String manifestText = f.read(ObjectUri.parse(v.uri()).resolve("manifest.json"));
    assertThat(Digests.sha256(manifestText.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(v.manifestSha256());
    JsonNode manifest = f.json.readTree(manifestText);
    assertThat(manifest.path("files").findValuesAsText("path"))
        .containsExactly("metrics.json", "model.json");
    assertThat(manifest.path("files").get(1).path("sha256").asText())
        .isEqualTo(
            Digests.sha256(
                ("{\"weights\":[0.1,0.2],\"run\":\"" + run + "\"}")
                    .getBytes(StandardCharsets.UTF_8)));
    assertThat(manifest.path("run").path("requestedBy").asText()).isEqualTo(CI);
    assertThat(manifest.path("run").path("envNames").toString()).isEqualTo("[\"LR\"]");
    assertThat(manifest.path("inputs").findValuesAsText("kind")).containsExactly("gcs", "bigquery");
    // The export job of the BigQuery input (input 1 of attempt 1), named as the agent names it.
    assertThat(manifest.path("inputs").get(1).path("bigqueryJobId").asText())
        .isEqualTo("mlcp-" + run + "-a1-in1");
    assertThat(manifest.path("inputs").get(1).path("table").asText())
        .isEqualTo("mlcp-data.sales.orders");
    assertThat(manifest.path("inputs").get(0).path("bigqueryJobId").isNull()).isTrue();
    assertThat(manifest.path("createdBy").asText()).isEqualTo(CI);
    assertThat(f.read(ObjectUri.parse(v.uri()).resolve("model.json"))).contains(run);
    assertThat(f.store.stat(ObjectUri.parse(v.uri()).resolve("_mlcp/attempt-1/completion.json")))
        .as("the agent's records are not model files")
        .isEmpty();
    assertThat(f.store.listAll(f.staging(run)).count()).as("staging deleted").isZero();
    List<PendingEvent> registered = f.events(ModelEvent.Registered.class);
    assertThat(registered).hasSize(1);
    ModelEvent.Registered event = (ModelEvent.Registered) registered.get(0).event();
    assertThat(event.version()).isEqualTo("v1");
    assertThat(event.sha256()).isEqualTo(v.manifestSha256());
    assertThat(event.owner()).isEqualTo(OWNER);
  }

  @Test
  void a_thousand_duplicate_deliveries_across_two_consumers_make_one_version() throws Exception {
    RegistryFixture one = new RegistryFixture(dir);
    RegistryFixture two = one.replica();
    String run = runId(2);
    one.stageModel(run, 0.8);
    RunEvent.Succeeded event = one.ciRun(run, "dup");

    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<?>> deliveries = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      RegistrationService consumer = (i % 2 == 0 ? one : two).registrations;
      deliveries.add(pool.submit(() -> consumer.onSucceeded(event)));
    }
    for (Future<?> d : deliveries) {
      d.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    // A delivery that found the lease held returned at once; the holder finished.
    one.reconciler.reconcile();

    assertThat(one.repo.versions().ids(RegistryRepository.BY_MODEL, "dup").toList())
        .containsExactly("dup.1");
    assertThat(one.repo.registrations().find(run).orElseThrow().state())
        .isEqualTo(Registration.RegistrationState.DONE);
    assertThat(one.events(ModelEvent.Registered.class).stream().map(PendingEvent::id).distinct())
        .hasSize(1);
  }

  @Test
  void concurrent_runs_of_one_model_get_consecutive_versions_without_gaps_or_duplicates()
      throws Exception {
    RegistryFixture one = new RegistryFixture(dir);
    RegistryFixture two = one.replica();
    int runs = 12;
    for (int i = 0; i < runs; i++) {
      one.stageModel(runId(100 + i), 0.5 + i / 100.0);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      RunEvent.Succeeded e = one.ciRun(runId(100 + i), "race");
      futures.add(pool.submit(() -> one.registrations.onSucceeded(e)));
      futures.add(pool.submit(() -> two.registrations.onSucceeded(e)));
    }
    for (Future<?> fu : futures) {
      fu.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    one.reconciler.reconcile();

    List<ModelVersion> versions =
        one.repo
            .versions()
            .readAll(one.repo.versions().ids(RegistryRepository.BY_MODEL, "race").toList());
    assertThat(versions)
        .extracting(ModelVersion::number)
        .containsExactlyInAnyOrder(
            java.util.stream.IntStream.rangeClosed(1, runs).boxed().toArray(Integer[]::new));
    assertThat(versions).extracting(ModelVersion::runId).doesNotHaveDuplicates();
    assertThat(versions)
        .allSatisfy(v -> assertThat(v.state()).isEqualTo(ModelVersion.VersionState.REGISTERED));
    assertThat(one.repo.model("race").latestVersion()).isEqualTo(runs);
  }

  @Test
  void ad_hoc_run_is_rejected_with_the_reason_and_its_staging_kept() {
    RegistryFixture f = new RegistryFixture(dir);
    String run = runId(3);
    f.stageModel(run, 0.9);

    Registration r =
        f.registrations
            .onSucceeded(f.succeeded(run, "adhoc", OWNER, "api", OWNER, null, Map.of()))
            .orElseThrow();

    assertThat(r.state()).isEqualTo(Registration.RegistrationState.REJECTED);
    assertThat(r.reason())
        .isEqualTo("ad-hoc run: not registrable; trigger training through Cloud Build");
    ModelEvent.Rejected rejected =
        (ModelEvent.Rejected) f.events(ModelEvent.Rejected.class).get(0).event();
    assertThat(rejected.version()).isNull();
    assertThat(rejected.runId()).isEqualTo(run);
    assertThat(rejected.failedChecks()).singleElement().asString().contains(OWNER);
    assertThat(f.store.listAll(f.staging(run)).count()).isEqualTo(3);
    assertThat(f.repo.versions().ids(RegistryRepository.BY_MODEL, "adhoc").toList()).isEmpty();
  }

  @Test
  void an_admins_rest_run_and_a_follow_up_of_a_ci_run_are_registrable() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(4), 0.9);
    f.stageModel(runId(5), 0.9);
    f.stageModel(runId(6), 0.9);
    f.stageModel(runId(7), 0.9);

    f.registrations.onSucceeded(f.ciRun(runId(4), "chain"));
    Registration child =
        f.registrations
            .onSucceeded(
                f.succeeded(runId(5), "chain", OWNER, "follow-up", runId(4), runId(4), Map.of()))
            .orElseThrow();
    Registration admin =
        f.registrations
            .onSucceeded(
                f.succeeded(runId(6), "chain", OWNER, "api", "Admin@Example.com", null, Map.of()))
            .orElseThrow();
    Registration orphan =
        f.registrations
            .onSucceeded(
                f.succeeded(runId(7), "chain", OWNER, "follow-up", runId(99), runId(99), Map.of()))
            .orElseThrow();

    assertThat(child.state()).isEqualTo(Registration.RegistrationState.DONE);
    assertThat(admin.state()).isEqualTo(Registration.RegistrationState.DONE);
    assertThat(orphan.state()).isEqualTo(Registration.RegistrationState.REJECTED);
    assertThat(f.lineage.of("chain", 2).parents())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.runId()).isEqualTo(runId(4));
              assertThat(p.version()).isEqualTo("v1");
              assertThat(p.requestedBy()).isEqualTo(CI);
            });
  }

  @Test
  void
      empty_staging_missing_or_malformed_metrics_and_a_reserved_name_are_rejected_not_registered() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stage(runId(10), Map.of("_mlcp/attempt-1/completion.json", "{}"));
    f.stage(runId(11), Map.of("model.json", "{}"));
    f.stage(runId(12), Map.of("model.json", "{}", "metrics.json", "{\"accuracy\":\"high\"}"));
    f.stage(runId(13), Map.of("model.json", "{}", "metrics.json", "[1,2]"));
    f.stage(runId(14), Map.of("manifest.json", "{}", "metrics.json", "{\"a\":1}"));

    List<String> reasons = new ArrayList<>();
    for (int i = 10; i <= 14; i++) {
      Registration r = f.registrations.onSucceeded(f.ciRun(runId(i), "bad")).orElseThrow();
      assertThat(r.state()).isEqualTo(Registration.RegistrationState.REJECTED);
      reasons.add(r.reason() + " / " + r.failedChecks());
    }

    assertThat(reasons.get(0)).contains("empty staging");
    assertThat(reasons.get(1)).contains("no metrics.json");
    assertThat(reasons.get(2)).contains("'accuracy' must be a number");
    assertThat(reasons.get(3)).contains("must be a JSON object");
    assertThat(reasons.get(4)).contains("manifest.json is reserved");
    assertThat(f.repo.versions().ids(RegistryRepository.BY_MODEL, "bad").toList())
        .as("no version number used")
        .isEmpty();
    assertThat(f.store.listAll(f.staging(runId(12))).count()).as("staging kept").isEqualTo(2);
    assertThat(f.events(ModelEvent.Rejected.class)).hasSize(5);
  }

  @Test
  void outputs_outside_the_staging_area_are_not_registered() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(15), 0.9);
    RunEvent.Succeeded e = f.ciRun(runId(15), "elsewhere");
    RunEvent.Succeeded moved =
        new RunEvent.Succeeded(
            e.runId(),
            e.owner(),
            e.attempt(),
            e.name(),
            e.image(),
            "gs://someone-elses-bucket/" + e.runId() + "/",
            e.machine(),
            e.resourceUse(),
            e.costEstimateUsd(),
            e.startedAt(),
            e.finishedAt(),
            e.labels(),
            e.provenance());

    Registration r = f.registrations.onSucceeded(moved).orElseThrow();

    assertThat(r.state()).isEqualTo(Registration.RegistrationState.REJECTED);
    assertThat(r.reason()).contains("outside the staging area");
  }

  @Test
  void a_second_write_into_a_registered_version_is_a_conflict() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(20), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(20), "immutable"));
    ObjectUri file = ObjectUri.parse(f.repo.registered("immutable", 1).uri()).resolve("model.json");

    assertThatThrownBy(
            () ->
                f.store.write(
                    file,
                    "tampered".getBytes(StandardCharsets.UTF_8),
                    null,
                    WriteCondition.doesNotExist()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(f.read(file)).contains(runId(20));
  }

  @Test
  void a_byte_flipped_in_a_stored_file_fails_verify_naming_the_file() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(21), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(21), "tamper"));
    assertThat(f.verifier.verify("tamper", 1).verified()).isTrue();
    ObjectUri file = ObjectUri.parse(f.repo.registered("tamper", 1).uri()).resolve("model.json");
    byte[] bytes = f.read(file).getBytes(StandardCharsets.UTF_8);
    bytes[3] ^= 0x01;
    // An unconditional overwrite: what someone with write access to the bucket could do.
    f.store.write(file, bytes, null, WriteCondition.none());

    Verifier.Result result = f.verifier.verify("tamper", 1);

    assertThat(result.verified()).isFalse();
    assertThat(result.problems()).extracting(Verifier.Problem::file).containsOnly("model.json");
    assertThat(result.problems())
        .extracting(Verifier.Problem::problem)
        .anySatisfy(p -> assertThat(p).startsWith("sha256 is "));
  }

  @Test
  void a_tampered_manifest_or_an_extra_file_fails_verify() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(22), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(22), "extra"));
    ObjectUri prefix = ObjectUri.parse(f.repo.registered("extra", 1).uri());
    f.store.write(prefix.resolve("backdoor.py"), new byte[] {1}, null, WriteCondition.none());
    String manifest = f.read(prefix.resolve("manifest.json"));
    f.store.write(
        prefix.resolve("manifest.json"),
        manifest
            .replace("\"accuracy\" : 0.9", "\"accuracy\" : 0.99")
            .getBytes(StandardCharsets.UTF_8),
        null,
        WriteCondition.none());

    assertThat(f.verifier.verify("extra", 1).problems())
        .extracting(Verifier.Problem::file)
        .containsExactlyInAnyOrder("manifest.json", "backdoor.py");
  }

  @Test
  void a_copy_that_differs_from_the_staged_file_is_a_checksum_mismatch_and_not_registered()
      throws Exception {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(23), 0.9);
    // A store whose writes under the registry flip a byte: the copy is not the staged file.
    RegistryFixture corrupt =
        new RegistryFixture(
            f.clock,
            new CorruptingStore(f.store, "mlcp-test-models", "model.json"),
            f.warehouse,
            f.published,
            f.pubsubDown,
            RegistrySettings.CopyMode.STREAM,
            null);

    Registration r = corrupt.registrations.onSucceeded(f.ciRun(runId(23), "corrupt")).orElseThrow();

    assertThat(r.state()).isEqualTo(Registration.RegistrationState.REJECTED);
    assertThat(r.reason()).isEqualTo("checksum mismatch: model.json");
    assertThat(f.repo.version("corrupt", 1).state()).isEqualTo(ModelVersion.VersionState.REJECTED);
    assertThat(f.store.listAll(ObjectUri.parse("gs://mlcp-test-models/models/corrupt/")).count())
        .as("the partial copy is removed")
        .isZero();
    assertThat(f.store.listAll(f.staging(runId(23))).count()).as("staging kept").isEqualTo(3);
    assertThat(f.events(ModelEvent.Rejected.class))
        .extracting(e -> ((ModelEvent.Rejected) e.event()).version())
        .containsExactly("v1");
  }

  @Test
  void server_side_copy_records_the_stores_checksums_and_verifies() {
    RegistryFixture base = new RegistryFixture(dir);
    RegistryFixture f =
        new RegistryFixture(
            base.clock,
            base.store,
            base.warehouse,
            base.published,
            base.pubsubDown,
            RegistrySettings.CopyMode.SERVER_SIDE,
            null);
    f.stageModel(runId(24), 0.9);

    f.registrations.onSucceeded(f.ciRun(runId(24), "server"));

    String manifest =
        f.read(ObjectUri.parse(f.repo.registered("server", 1).uri()).resolve("manifest.json"));
    assertThat(manifest).contains("\"copy\" : \"server-side\"").contains("\"crc32c\"");
    assertThat(f.verifier.verify("server", 1).verified()).isTrue();
  }

  @Test
  void a_warehouse_that_is_down_holds_no_registration_up_and_the_reconciler_writes_its_rows() {
    FlakyWarehouse warehouse = new FlakyWarehouse(dir.resolve("w.duckdb"));
    RegistryFixture base = new RegistryFixture(dir);
    RegistryFixture f =
        new RegistryFixture(
            base.clock,
            base.store,
            warehouse,
            base.published,
            base.pubsubDown,
            RegistrySettings.CopyMode.STREAM,
            null);
    f.stageModel(runId(30), 0.9);
    warehouse.down = true;

    Registration r = f.registrations.onSucceeded(f.ciRun(runId(30), "durable")).orElseThrow();

    assertThat(r.state()).isEqualTo(Registration.RegistrationState.DONE);
    assertThat(r.rowsPending()).as("its rows wait for the warehouse").isTrue();
    assertThat(f.events(ModelEvent.Registered.class)).hasSize(1);
    assertThat(f.store.listAll(f.staging(runId(30))).count())
        .as("staging goes: the rows' content is the event and the version's immutable files")
        .isZero();
    assertThat(warehouse.count("runs")).isZero();
    assertThat(f.reconciler.reconcile().rowsPending()).isEqualTo(1);

    warehouse.down = false;
    Reconciler.Report report = f.reconciler.reconcile();

    assertThat(report.rowsWritten()).isEqualTo(1);
    assertThat(report.rowsPending()).isZero();
    assertThat(f.repo.registrations().find(runId(30)).orElseThrow().rowsPending()).isFalse();
    assertThat(warehouse.count("runs")).isEqualTo(1);
    assertThat(warehouse.count("metrics")).isEqualTo(4);
    assertThat(warehouse.count("resource_usage")).isEqualTo(1);
    assertThat(warehouse.count("model_versions")).isEqualTo(1);
  }

  @Test
  void events_held_back_while_pubsub_is_down_go_out_at_the_next_reconcile() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(31), 0.9);
    f.pubsubDown.set(true);

    f.registrations.onSucceeded(f.ciRun(runId(31), "offline"));
    assertThat(f.published).isEmpty();

    f.pubsubDown.set(false);
    f.reconciler.reconcile();
    assertThat(f.events(ModelEvent.Registered.class)).hasSize(1);
  }
}
