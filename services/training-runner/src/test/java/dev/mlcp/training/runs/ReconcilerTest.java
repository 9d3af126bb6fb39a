package dev.mlcp.training.runs;

import static dev.mlcp.training.runs.LifecycleFixture.IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
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
  void a_lost_completion_event_is_recovered_from_the_agents_record_in_one_reconcile()
      throws Exception {
    Run run = f.submit(spec(3600, false, null));
    // The agent wrote its record next to the outputs, published (lost), and deleted its VM.
    EventEnvelope<TrainingCompleted> completion = f.completion(run, 0);
    byte[] record =
        ("{\"specversion\":\"1.0\",\"type\":\"dev.mlcp.training.completed.v1\","
                + "\"source\":\"//mlcp/vm-agent/"
                + run.instance()
                + "\",\"id\":\""
                + completion.id()
                + "\",\"time\":\"2026-11-23T10:00:00Z\",\"subject\":\""
                + run.id()
                + "\",\"datacontenttype\":\"application/json\",\"data\":"
                + f.json.writeValueAsString(completion.data())
                + "}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    f.store.write(
        ObjectUri.parse(run.outputUri()).resolve("_mlcp/attempt-1/completion.json"),
        record,
        "application/json",
        WriteCondition.none());
    f.instances.vms.clear();
    f.clock.advance(Duration.ofMinutes(3));

    Reconciler.Report report = f.reconciler.reconcile();

    Run after = f.runs.find(run.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(RunState.SUCCEEDED);
    assertThat(after.artifactUri()).isEqualTo(run.outputUri());
    assertThat(report.actions()).anyMatch(a -> a.contains("completion record"));
    assertThat(f.events(RunEvent.Succeeded.class)).hasSize(1);
    // The event arriving late changes nothing.
    assertThat(f.service.complete(completion).orElseThrow().state()).isEqualTo(RunState.SUCCEEDED);
    assertThat(f.publishes(RunEvent.Succeeded.class)).isEqualTo(1);
  }

  @Test
  void events_whose_publish_failed_arrive_exactly_once_after_recovery_and_one_reconcile() {
    f.pubsubDown.set(true);
    Run run = f.submit(spec(3600, false, null));
    f.service.complete(f.completion(run, 0));
    assertThat(f.published).isEmpty();
    assertThat(f.runs.find(run.id()).orElseThrow().state()).isEqualTo(RunState.SUCCEEDED);

    f.pubsubDown.set(false);
    Reconciler.Report first = f.reconciler.reconcile();
    Reconciler.Report second = f.reconciler.reconcile();

    assertThat(first.eventsRepublished()).isEqualTo(3); // provisioning, running, succeeded
    assertThat(second.eventsRepublished()).isZero();
    assertThat(f.published).extracting(e -> e.id()).doesNotHaveDuplicates().hasSize(3);
    assertThat(f.events(RunEvent.Succeeded.class)).hasSize(1);
  }

  @Test
  void a_vm_whose_creation_timed_out_is_adopted_not_created_twice() {
    f.instances.createFailureAfterInsert =
        new PlatformException(PlatformException.Kind.TRANSIENT, "OPERATION_TIMEOUT", "timeout");
    Run run = f.submit(spec(3600, false, null));
    f.instances.createFailureAfterInsert = null;
    assertThat(run.state()).isEqualTo(RunState.PROVISIONING);
    f.clock.advance(Duration.ofMinutes(3));

    f.reconciler.reconcile();

    Run after = f.runs.find(run.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(RunState.RUNNING);
    assertThat(f.instances.createCalls.get()).isEqualTo(1);
    assertThat(f.service.complete(f.completion(after, 0)).orElseThrow().state())
        .isEqualTo(RunState.SUCCEEDED);
  }

  @Test
  void a_provisioning_run_without_its_vm_is_created_again_by_the_reconciler() {
    f.instances.createFailure =
        new PlatformException(PlatformException.Kind.TRANSIENT, "UNAVAILABLE", "503");
    Run run = f.submit(spec(3600, false, null));
    f.instances.createFailure = null;
    f.clock.advance(Duration.ofMinutes(3));

    f.reconciler.reconcile();

    assertThat(f.runs.find(run.id()).orElseThrow().state()).isEqualTo(RunState.RUNNING);
    assertThat(f.instances.vms).containsKey(run.id());
  }

  @Test
  void one_failing_action_does_not_stop_the_pass() {
    f.instances.vms.put(
        "run-00orphan",
        new Instance(
            "run-00orphan",
            "europe-west4-a",
            InstanceStatus.RUNNING,
            "n1-standard-4",
            false,
            Map.of("mlcp-run", "run-00orphan"),
            null,
            null,
            Instant.now()));
    f.instances.deleteExplodes.add("run-00orphan");
    Run overdue = f.submit(spec(600, false, null));
    f.clock.advance(Duration.ofMinutes(11));

    Reconciler.Report report = f.reconciler.reconcile();

    assertThat(report.failures()).isEqualTo(1);
    assertThat(f.runs.find(overdue.id()).orElseThrow().state()).isEqualTo(RunState.FAILED);
    assertThat(f.instances.vms).containsOnlyKeys("run-00orphan");
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
