package dev.mlcp.registry.models;

import static dev.mlcp.registry.models.RegistryFixture.runId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.DeployEvent;
import dev.mlcp.registry.models.DeploymentRecorder.Outcome;
import dev.mlcp.registry.models.LineageService.DeploymentRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentRecorderTest {
  @TempDir Path dir;

  static final String SERVICE = "churn-api";
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  /** A registered {@code churn} v1. */
  private RegistryFixture registered() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(1), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
    assertThat(f.repo.registered("churn", 1).state())
        .isEqualTo(ModelVersion.VersionState.REGISTERED);
    return f;
  }

  /** serving-deployer's events of one rollout of churn v1 to revision {@code rev}, in order. */
  private static List<DeployEvent> rollout(String id, String rev) {
    return List.of(
        new DeployEvent.Started(
            id,
            SERVICE,
            rev,
            "churn",
            "v1",
            "gs://mlcp-test-models/models/churn/versions/1/",
            "gce"),
        new DeployEvent.Progressed(id, SERVICE, rev, "instance-group-created", 0),
        new DeployEvent.Progressed(id, SERVICE, rev, "traffic-10", 10),
        new DeployEvent.Progressed(id, SERVICE, rev, "traffic-100", 100),
        new DeployEvent.Succeeded(id, SERVICE, rev, 100, "https://churn-api.example/"));
  }

  private static List<Outcome> record(RegistryFixture f, List<DeployEvent> events) {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      outcomes.add(f.deployments.record(events.get(i), T0.plusSeconds(i)).outcome());
    }
    return outcomes;
  }

  @Test
  void a_rollout_shows_in_the_versions_lineage_with_its_revision_state_and_times() {
    RegistryFixture f = registered();

    assertThat(record(f, rollout("dep-1", "churn-api-00001"))).containsOnly(Outcome.RECORDED);

    List<DeploymentRef> deployments = f.lineage.of("churn", 1).deployments();
    assertThat(deployments).hasSize(1);
    DeploymentRef d = deployments.get(0);
    assertThat(d.deploymentId()).isEqualTo("dep-1");
    assertThat(d.service()).isEqualTo(SERVICE);
    assertThat(d.revision()).isEqualTo("churn-api-00001");
    assertThat(d.target()).isEqualTo("gce");
    assertThat(d.state()).isEqualTo("SUCCEEDED");
    assertThat(d.trafficPercent()).isEqualTo(100);
    assertThat(d.url()).isEqualTo("https://churn-api.example/");
    assertThat(d.startedAt()).isEqualTo(T0);
    assertThat(d.finishedAt()).isEqualTo(T0.plusSeconds(4));
  }

  @Test
  void redelivered_events_change_nothing() {
    RegistryFixture f = registered();
    List<DeployEvent> events = rollout("dep-1", "churn-api-00001");
    record(f, events);
    Deployment before = f.repo.deployments().find(Deployment.idOf(SERVICE, "dep-1")).orElseThrow();

    assertThat(record(f, events)).containsOnly(Outcome.UNCHANGED);

    assertThat(f.repo.deployments().find(before.id())).contains(before);
    assertThat(f.lineage.of("churn", 1).deployments()).hasSize(1);
  }

  @Test
  void events_in_any_order_end_in_the_same_state_and_never_move_a_rollout_backwards()
      throws Exception {
    List<DeployEvent> events = rollout("dep-1", "churn-api-00001");
    RegistryFixture inOrder = registered();
    record(inOrder, events);
    DeploymentRef expected = inOrder.lineage.of("churn", 1).deployments().get(0);

    for (long seed = 1; seed <= 20; seed++) {
      RegistryFixture f = new RegistryFixture(Files.createDirectories(dir.resolve("seed-" + seed)));
      f.stageModel(runId(1), 0.9);
      f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
      List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4));
      Collections.shuffle(order, new Random(seed));
      for (int i : order) {
        f.deployments.record(events.get(i), T0.plusSeconds(i));
      }
      assertThat(f.lineage.of("churn", 1).deployments())
          .as("order %s", order)
          .containsExactly(expected);
    }
  }

  @Test
  void a_rollout_whose_start_is_late_appears_once_it_arrives() {
    RegistryFixture f = registered();
    List<DeployEvent> events = rollout("dep-1", "churn-api-00001");

    f.deployments.record(events.get(4), T0.plusSeconds(4));
    f.deployments.record(events.get(2), T0.plusSeconds(2));
    assertThat(f.lineage.of("churn", 1).deployments()).as("no version named yet").isEmpty();

    f.deployments.record(events.get(0), T0);

    DeploymentRef d = f.lineage.of("churn", 1).deployments().get(0);
    assertThat(d.state()).as("the late progress did not undo the success").isEqualTo("SUCCEEDED");
    assertThat(d.trafficPercent()).isEqualTo(100);
    assertThat(d.startedAt()).isEqualTo(T0);
  }

  @Test
  void a_rollback_ends_the_rollout_and_a_failure_after_it_changes_nothing() {
    RegistryFixture f = registered();
    record(f, rollout("dep-1", "churn-api-00002"));

    // A manual split from another revision names the service's last rollout: not this one's.
    assertThat(
            f.deployments
                .record(
                    new DeployEvent.RolledBack(
                        "dep-1", SERVICE, "churn-api-00007", "churn-api-00001", "by hand"),
                    T0.plusSeconds(10))
                .outcome())
        .isEqualTo(Outcome.UNCHANGED);
    assertThat(
            f.deployments
                .record(
                    new DeployEvent.RolledBack(
                        "dep-1", SERVICE, "churn-api-00002", "churn-api-00001", "error rate 9 %"),
                    T0.plusSeconds(20))
                .outcome())
        .isEqualTo(Outcome.RECORDED);
    assertThat(
            f.deployments
                .record(
                    new DeployEvent.Failed("dep-1", SERVICE, "churn-api-00002", "late"),
                    T0.plusSeconds(30))
                .outcome())
        .isEqualTo(Outcome.UNCHANGED);
    f.deployments.record(
        new DeployEvent.Progressed("dep-1", SERVICE, "churn-api-00002", "traffic-50", 50),
        T0.plusSeconds(40));

    DeploymentRef d = f.lineage.of("churn", 1).deployments().get(0);
    assertThat(d.state()).isEqualTo("ROLLED_BACK");
    assertThat(d.rolledBackTo()).isEqualTo("churn-api-00001");
    assertThat(d.reason()).isEqualTo("error rate 9 %");
    assertThat(d.trafficPercent()).isZero();
    assertThat(d.finishedAt()).isEqualTo(T0.plusSeconds(20));
  }

  @Test
  void a_start_naming_a_version_the_registry_does_not_hold_is_ignored() {
    RegistryFixture f = registered();

    DeploymentRecorder.Recorded unknownVersion =
        f.deployments.record(
            new DeployEvent.Started("dep-9", SERVICE, "r1", "churn", "v9", null, "gce"), T0);
    DeploymentRecorder.Recorded unknownModel =
        f.deployments.record(
            new DeployEvent.Started("dep-8", SERVICE, "r1", "nope", "v1", null, "gce"), T0);
    DeploymentRecorder.Recorded badVersion =
        f.deployments.record(
            new DeployEvent.Started("dep-7", SERVICE, "r1", "churn", "latest", null, "gce"), T0);
    DeploymentRecorder.Recorded badId =
        f.deployments.record(new DeployEvent.Succeeded("../dep", SERVICE, "r1", 100, null), T0);

    assertThat(List.of(unknownVersion, unknownModel, badVersion, badId))
        .allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.IGNORED));
    assertThat(unknownVersion.reason()).contains("v9").contains("not registered");
    assertThat(f.repo.deployments().find(Deployment.idOf(SERVICE, "dep-9"))).isEmpty();
    assertThat(f.lineage.of("churn", 1).deployments()).isEmpty();
  }

  @Test
  void two_replicas_applying_one_rollouts_events_at_once_lose_none() throws Exception {
    RegistryFixture f = registered();
    RegistryFixture other = f.replica();
    List<DeployEvent> events = rollout("dep-1", "churn-api-00001");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Outcome>> calls = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        DeployEvent e = events.get(i);
        Instant at = T0.plusSeconds(i);
        calls.add(() -> f.deployments.record(e, at).outcome());
        calls.add(() -> other.deployments.record(e, at).outcome());
      }
      for (Future<Outcome> done : pool.invokeAll(calls, 60, TimeUnit.SECONDS)) {
        done.get();
      }
    } finally {
      pool.shutdownNow();
    }

    DeploymentRef d = f.lineage.of("churn", 1).deployments().get(0);
    assertThat(d.state()).isEqualTo("SUCCEEDED");
    assertThat(d.trafficPercent()).isEqualTo(100);
    assertThat(d.startedAt()).isEqualTo(T0);
    assertThat(d.url()).isEqualTo("https://churn-api.example/");
    // Steps reported after the success are not recorded (the rollout had ended).
    assertThat(f.repo.deployments().find(Deployment.idOf(SERVICE, "dep-1")).orElseThrow().steps())
        .doesNotHaveDuplicates()
        .isSubsetOf("instance-group-created", "traffic-10", "traffic-100");
  }
}
