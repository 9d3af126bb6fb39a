package dev.mlcp.training.runs;

import static dev.mlcp.training.runs.LifecycleFixture.IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {
  @TempDir Path dir;
  LifecycleFixture f;

  @BeforeEach
  void setUp() {
    f = new LifecycleFixture(dir);
  }

  static RunSpec spec(long seconds, boolean spot, String onPreemption) {
    return new RunSpec(
        "churn",
        IMAGE,
        null,
        null,
        null,
        null,
        null,
        null,
        0,
        spot,
        onPreemption,
        null,
        seconds,
        null,
        null,
        null,
        null);
  }

  @Test
  void vm_whose_agent_never_reports_is_deleted_after_the_deadline_and_the_run_fails() {
    Run run = f.submit(spec(600, false, null));

    f.clock.advance(Duration.ofMinutes(5));
    assertThat(f.reconciler.reconcile().actions()).isEmpty();
    f.clock.advance(Duration.ofMinutes(6));
    f.reconciler.reconcile();

    Run after = f.runs.find(run.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(RunState.FAILED);
    assertThat(after.reason()).contains("time limit");
    assertThat(f.instances.vms).isEmpty();
  }

  @Test
  void vm_without_a_run_or_of_an_ended_run_is_deleted() {
    Run run = f.submit(spec(0, false, null));
    f.service.complete(f.completion(run, 0));
    f.instances.vms.put(
        "run-orphan",
        new Instance(
            "run-orphan",
            "europe-west4-a",
            InstanceStatus.RUNNING,
            "n1-standard-4",
            false,
            Map.of("mlcp-run", "run-00000000000000000000000000"),
            null,
            null,
            Instant.now()));
    f.instances.vms.put(
        "stale",
        new Instance(
            "stale",
            "europe-west4-a",
            InstanceStatus.RUNNING,
            "n1-standard-4",
            false,
            Map.of("mlcp-run", run.id()),
            null,
            null,
            Instant.now()));

    Reconciler.Report report = f.reconciler.reconcile();

    assertThat(f.instances.vms).isEmpty();
    assertThat(report.instancesSeen()).isEqualTo(2);
  }

  @Test
  void preempted_spot_run_is_retried_on_a_new_vm() {
    Run run = f.submit(spec(3600, true, "retry"));
    f.instances.terminate(run.id());

    f.reconciler.reconcile();

    Run after = f.runs.find(run.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(RunState.RUNNING);
    assertThat(after.attempt()).isEqualTo(2);
    assertThat(after.spot()).isTrue();
    assertThat(f.instances.vms).containsOnlyKeys(run.id() + "-a2");
    assertThat(f.events(RunEvent.Preempted.class)).hasSize(1);
    assertThat(f.events(RunEvent.Retrying.class)).hasSize(1);
    assertThat(after.history())
        .extracting(Run.Transition::state)
        .containsSubsequence(
            RunState.RUNNING,
            RunState.PREEMPTED,
            RunState.RETRYING,
            RunState.PROVISIONING,
            RunState.RUNNING);
  }

  @Test
  void preemption_with_fallback_retries_on_demand() {
    Run run = f.submit(spec(3600, true, "fallbackOnDemand"));
    f.instances.terminate(run.id());

    f.reconciler.reconcile();

    assertThat(f.runs.find(run.id()).orElseThrow().spot()).isFalse();
    assertThat(f.instances.specs.get(run.id() + "-a2").spot()).isFalse();
  }

  @Test
  void preemptions_stop_after_the_attempt_limit_and_the_run_fails() {
    Run run = f.submit(spec(3600, true, "retry"));
    for (int attempt = 1; attempt <= 3; attempt++) {
      f.instances.terminate(f.runs.find(run.id()).orElseThrow().instance());
      f.reconciler.reconcile();
    }

    Run after = f.runs.find(run.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(RunState.FAILED);
    assertThat(after.reason()).contains("gave up after 3 attempts");
    assertThat(f.instances.vms).isEmpty();
  }

  @Test
  void vanished_vm_fails_the_run_only_after_the_grace_for_an_in_flight_completion() {
    Run run = f.submit(spec(3600, false, null));
    f.instances.vms.clear();
    f.clock.advance(Duration.ofMinutes(3));

    f.reconciler.reconcile();
    assertThat(f.runs.find(run.id()).orElseThrow().state()).isEqualTo(RunState.RUNNING);
    f.clock.advance(Duration.ofMinutes(6));
    f.reconciler.reconcile();

    Run after = f.runs.find(run.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(RunState.FAILED);
    assertThat(after.reason()).contains("disappeared");
  }

  @Test
  void two_reconcilers_at_once_act_once() throws Exception {
    Run run = f.submit(spec(600, false, null));
    f.clock.advance(Duration.ofMinutes(11));

    Thread other = new Thread(f.reconciler::reconcile);
    other.start();
    f.reconciler.reconcile();
    other.join();

    assertThat(f.events(RunEvent.Failed.class)).hasSize(1);
    assertThat(f.runs.find(run.id()).orElseThrow().state()).isEqualTo(RunState.FAILED);
    assertThat(f.runs.activeIds().toList()).isEmpty();
  }

  @Test
  void reconcile_over_many_runs_is_proportional_to_active_runs() {
    for (int i = 0; i < 20; i++) {
      Run run = f.submit(spec(0, false, null));
      if (i % 2 == 0) {
        f.service.complete(f.completion(run, 0));
      }
    }

    Reconciler.Report report = f.reconciler.reconcile();

    assertThat(report.activeRuns()).isEqualTo(10);
    assertThat(report.instancesSeen()).isEqualTo(10);
    assertThat(report.actions()).isEmpty();
    assertThat(List.copyOf(f.instances.deleteCalls)).hasSize(10);
  }
}
