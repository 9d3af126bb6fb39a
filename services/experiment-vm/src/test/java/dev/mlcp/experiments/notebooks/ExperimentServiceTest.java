package dev.mlcp.experiments.notebooks;

import static dev.mlcp.experiments.notebooks.NotebookFixture.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating, stopping, starting, extending and deleting notebook VMs over a fake Compute Engine. */
class ExperimentServiceTest {
  private static final String ANA = "ana@example.com";

  @TempDir Path dir;
  private FakeInstances vms;
  private NotebookFixture f;

  @BeforeEach
  void setUp() {
    vms = new FakeInstances();
    f = new NotebookFixture(dir, vms);
  }

  @Test
  void created_experiment_runs_on_a_labelled_vm_with_its_hard_limit_and_announces_itself() {
    Experiment e = f.service.create(ANA, named("ana-churn"));

    assertThat(e.state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(e.zone()).isEqualTo("europe-west4-a");
    assertThat(e.internalIp()).isEqualTo("10.128.0.9");
    assertThat(e.expiresAt()).isEqualTo(NotebookFixture.T0.plus(Duration.ofHours(8)));
    assertThat(e.hardDeadline()).isEqualTo(NotebookFixture.T0.plus(Duration.ofHours(24)));
    InstanceSpec spec = vms.specs.get("nb-ana-churn");
    assertThat(spec.labels())
        .containsEntry("mlcp-experiment", "ana-churn")
        .containsEntry("mlcp-experiment-id", e.id());
    assertThat(spec.labels().get("mlcp-owner")).startsWith("ana_example-com-");
    assertThat(spec.maxRunDuration()).isEqualTo(Duration.ofHours(24));
    assertThat(spec.guestAttributesEnabled()).isTrue();
    assertThat(f.eventTypes()).containsExactly("dev.mlcp.experiment.created.v1");
    assertThat(f.service.byName("ana-churn")).get().extracting(Experiment::id).isEqualTo(e.id());
  }

  @Test
  void a_stockout_moves_on_to_the_next_zone() {
    vms.exhaustedZones.add("europe-west4-a");

    Experiment e = f.service.create(ANA, named("ana-fallback"));

    assertThat(e.zone()).isEqualTo("europe-west4-b");
  }

  @Test
  void a_stockout_everywhere_fails_the_experiment_naming_the_zones_and_gce_reason() {
    vms.exhaustedZones.addAll(List.of("europe-west4-a", "europe-west4-b"));

    assertThatThrownBy(() -> f.service.create(ANA, named("ana-full")))
        .isInstanceOfSatisfying(
            CapacityException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CapacityException.Kind.STOCKOUT);
              assertThat(e.reason()).isEqualTo("ZONE_RESOURCE_POOL_EXHAUSTED");
              assertThat(e.zonesTried()).containsExactly("europe-west4-a", "europe-west4-b");
            });
    assertThat(f.service.byName("ana-full"))
        .get()
        .extracting(Experiment::state)
        .isEqualTo(ExperimentState.FAILED);
    assertThat(vms.vms).isEmpty();
  }

  @Test
  void a_quota_fails_the_experiment_with_gce_reason_and_quota_name_leaving_nothing() {
    vms.createFailure =
        new PlatformException(
            PlatformException.Kind.QUOTA_EXCEEDED,
            "QUOTA_EXCEEDED",
            "Quota 'NVIDIA_T4_GPUS' exceeded.  Limit: 0.0 in region europe-west4.");

    assertThatThrownBy(() -> f.service.create(ANA, named("ana-gpu")))
        .isInstanceOfSatisfying(
            CapacityException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CapacityException.Kind.QUOTA);
              assertThat(e.reason()).isEqualTo("QUOTA_EXCEEDED");
              assertThat(e.quota()).isEqualTo("NVIDIA_T4_GPUS");
              assertThat(e.getMessage()).contains("NVIDIA_T4_GPUS");
            });
    Experiment failed = f.service.byName("ana-gpu").orElseThrow();
    assertThat(failed.state()).isEqualTo(ExperimentState.FAILED);
    assertThat(failed.reason()).contains("NVIDIA_T4_GPUS");
    assertThat(vms.vms).isEmpty();
    assertThat(f.published).isEmpty();
  }

  @Test
  void a_timeout_after_the_insert_deletes_whatever_was_made_in_every_zone() {
    vms.failAfterInsert = true;

    assertThatThrownBy(() -> f.service.create(ANA, named("ana-timeout")))
        .isInstanceOf(PlatformException.class);

    assertThat(vms.vms).isEmpty();
    assertThat(vms.deletes)
        .contains("nb-ana-timeout@europe-west4-a", "nb-ana-timeout@europe-west4-b");
    assertThat(f.service.byName("ana-timeout").orElseThrow().state())
        .isEqualTo(ExperimentState.FAILED);
  }

  @Test
  void a_vm_of_the_same_name_that_is_not_ours_is_never_deleted() {
    vms.put("nb-ana-old", "europe-west4-a", InstanceStatus.STOPPING, Map.of());

    assertThatThrownBy(() -> f.service.create(ANA, named("ana-old")))
        .isInstanceOf(ExperimentConflictException.class)
        .hasMessageContaining("still exists");
    assertThat(vms.deletes).isEmpty();
  }

  @Test
  void a_live_name_cannot_be_taken_but_an_ended_one_can() {
    Experiment first = f.service.create(ANA, named("shared-name"));

    assertThatThrownBy(() -> f.service.create("bob@example.com", named("shared-name")))
        .isInstanceOf(ExperimentConflictException.class)
        .hasMessageContaining("ana@example.com");

    f.service.delete(first, ANA);
    vms.vms.clear(); // GCE finished deleting it
    Experiment second = f.service.create("bob@example.com", named("shared-name"));

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(f.service.byName("shared-name").orElseThrow().owner()).isEqualTo("bob@example.com");
    assertThat(f.experiments.find(first.id()).orElseThrow().state())
        .isEqualTo(ExperimentState.DELETED);
  }

  @Test
  void an_owner_cannot_have_more_experiments_than_the_cap() {
    for (int i = 0; i < 3; i++) {
      f.service.create(ANA, named("ana-" + i));
    }

    assertThatThrownBy(() -> f.service.create(ANA, named("ana-3")))
        .isInstanceOf(OwnerLimitExceededException.class)
        .hasMessageContaining("mlcp.experiments.caps.max-concurrent-per-owner")
        .hasMessageContaining("limit is 3");
    assertThat(f.service.create("bob@example.com", named("bob-0")).state())
        .isEqualTo(ExperimentState.RUNNING);
  }

  @Test
  void stop_keeps_the_disk_and_start_carries_the_hard_limit_over() {
    Experiment e = f.service.create(ANA, named("ana-pause"));
    f.clock.advance(Duration.ofHours(2));

    Experiment stopped = f.service.stop(e, ANA);
    f.clock.advance(Duration.ofHours(1));
    Experiment started = f.service.start(stopped, ANA);

    assertThat(stopped.state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(stopped.runningSeconds()).isEqualTo(7200);
    assertThat(vms.stops).containsExactly("nb-ana-pause");
    assertThat(started.state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(vms.startLimits.get("nb-ana-pause")).isEqualTo(Duration.ofHours(21));
    assertThat(f.eventTypes())
        .containsExactly("dev.mlcp.experiment.created.v1", "dev.mlcp.experiment.stopped.v1");
  }

  @Test
  void a_start_without_capacity_leaves_it_stopped_with_the_reason() {
    Experiment e = f.service.stop(f.service.create(ANA, named("ana-nocap")), ANA);
    vms.startFailure =
        new PlatformException(
            PlatformException.Kind.ZONE_EXHAUSTED, "ZONE_RESOURCE_POOL_EXHAUSTED", "no capacity");

    assertThatThrownBy(() -> f.service.start(e, ANA))
        .isInstanceOfSatisfying(
            CapacityException.class,
            c -> assertThat(c.zonesTried()).containsExactly("europe-west4-a"));
    Experiment after = f.service.byName("ana-nocap").orElseThrow();
    assertThat(after.state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(after.reason()).contains("start failed");
  }

  @Test
  void extend_moves_the_expiry_up_to_the_hard_deadline_and_no_further() {
    Experiment e = f.service.create(ANA, named("ana-long"));

    Experiment extended = f.service.extend(e, Duration.ofHours(10));

    assertThat(extended.expiresAt()).isEqualTo(NotebookFixture.T0.plus(Duration.ofHours(18)));
    assertThatThrownBy(() -> f.service.extend(extended, Duration.ofHours(7)))
        .isInstanceOfSatisfying(
            CapExceededException.class,
            c -> {
              assertThat(c.field()).isEqualTo("by");
              assertThat(c.getMessage())
                  .contains("mlcp.experiments.caps.max-ttl = PT24H")
                  .contains("extend by at most PT6H");
            });
  }

  @Test
  void delete_is_idempotent_and_deletes_the_vm_once() {
    Experiment e = f.service.create(ANA, named("ana-done"));

    Experiment deleted = f.service.delete(e, ANA);
    Experiment again = f.service.delete(deleted, ANA);

    assertThat(deleted.state()).isEqualTo(ExperimentState.DELETED);
    // The same experiment as stored; only the outbox moved on (its deleted event was published).
    assertThat(again).usingRecursiveComparison().ignoringFields("outbox").isEqualTo(deleted);
    assertThat(again.outbox().pending()).isEmpty();
    assertThat(vms.deletes).containsExactly("nb-ana-done@europe-west4-a");
    assertThat(f.eventTypes())
        .containsExactly("dev.mlcp.experiment.created.v1", "dev.mlcp.experiment.deleted.v1");
  }

  @Test
  void observe_records_the_heartbeat_and_addresses_and_judges_idleness() {
    Experiment e = f.service.create(ANA, named("ana-look"));
    f.clock.advance(Duration.ofMinutes(90));
    vms.heartbeat(
        "nb-ana-look",
        NotebookFixture.heartbeat(f.clock.instant(), NotebookFixture.T0.plusSeconds(60)));

    ExperimentService.Observation seen = f.service.observe(e);

    assertThat(seen.vmStatus()).isEqualTo(InstanceStatus.RUNNING);
    assertThat(seen.experiment().heartbeat().lastActivity())
        .isEqualTo(NotebookFixture.T0.plusSeconds(60));
    assertThat(seen.idleness().verdict()).isEqualTo(Idleness.Verdict.IDLE);
  }
}
