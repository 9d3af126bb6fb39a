package dev.mlcp.training.runs;

import static dev.mlcp.training.runs.LifecycleFixture.IMAGE;
import static dev.mlcp.training.runs.LifecycleFixture.OWNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.InstanceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLifecycleTest {
  @TempDir Path dir;
  LifecycleFixture f;

  @BeforeEach
  void setUp() {
    f = new LifecycleFixture(dir);
  }

  static RunSpec spot(String onPreemption) {
    return new RunSpec(
        "churn",
        IMAGE,
        null,
        List.of("--epochs", "3"),
        Map.of("LR", "0.1"),
        List.of("openai-key"),
        "g2-standard-8",
        "nvidia-l4",
        1,
        true,
        onPreemption,
        null,
        3600,
        null,
        null,
        Map.of("team", "growth"),
        null);
  }

  @Test
  void submit_creates_a_vm_with_labels_metadata_agent_and_hard_deadline() {
    Run run = f.submit(spot("retry"));

    assertThat(run.state()).isEqualTo(RunState.RUNNING);
    assertThat(run.id()).matches("run-[0-9a-z]{26}");
    InstanceSpec vm = f.instances.specs.get(run.id());
    assertThat(vm.labels())
        .containsEntry("mlcp-run", run.id())
        .containsEntry("mlcp-owner", dev.mlcp.platform.instances.GceNames.safeLabelValue(OWNER))
        .containsEntry("mlcp-attempt", "1")
        .containsEntry("team", "growth");
    assertThat(vm.metadata())
        .containsEntry("mlcp-run-id", run.id())
        .containsEntry("mlcp-image", IMAGE)
        .containsEntry("mlcp-args", "[\"--epochs\",\"3\"]")
        .containsEntry("mlcp-secrets", "[\"openai-key\"]")
        .containsEntry("mlcp-output-uri", "gs://staging-bucket/staging/" + run.id() + "/")
        .containsEntry("mlcp-topic", "projects/proj/topics/training-completed")
        .containsEntry("mlcp-accelerator-count", "1")
        .containsEntry("startup-script", "#!/bin/bash\necho agent\n");
    assertThat(vm.metadata().get("mlcp-env")).contains("\"LR\":\"0.1\"").doesNotContain("secret");
    assertThat(vm.maxRunDuration()).isEqualTo(Duration.ofHours(1).plusMinutes(15));
    assertThat(vm.spot()).isTrue();
    assertThat(vm.accelerators()).hasSize(1);
    assertThat(vm.bootDisk().image()).contains("cu124");
    assertThat(vm.serviceAccount().email()).isEqualTo("training-vm@proj.iam.gserviceaccount.com");
    assertThat(vm.zones()).containsExactly("europe-west4-a", "europe-west4-b");
    assertThat(f.events(RunEvent.Provisioning.class)).hasSize(1);
    assertThat(f.events(RunEvent.Running.class)).hasSize(1);
  }

  @Test
  void completion_marks_succeeded_deletes_the_vm_and_publishes_with_cost() {
    Run run = f.submit(RunSpec.of("churn", IMAGE));

    Run done = f.service.complete(f.completion(run, 0)).orElseThrow();

    assertThat(done.state()).isEqualTo(RunState.SUCCEEDED);
    assertThat(done.exitCode()).isZero();
    assertThat(done.artifactUri()).isEqualTo("gs://staging-bucket/staging/" + run.id() + "/");
    assertThat(done.costEstimateUsd()).isPositive();
    assertThat(f.instances.vms).isEmpty();
    assertThat(f.instances.deleteCalls).containsExactly(run.id());
    RunEvent.Succeeded succeeded = f.events(RunEvent.Succeeded.class).get(0);
    assertThat(succeeded.artifactUri()).isEqualTo(done.artifactUri());
    assertThat(succeeded.resourceUse().wallSeconds()).isEqualTo(3600);
  }

  @Test
  void non_zero_exit_fails_the_run_with_the_exit_code_and_deletes_the_vm() {
    Run run = f.submit(RunSpec.of("churn", IMAGE));

    Run done = f.service.complete(f.completion(run, 2)).orElseThrow();

    assertThat(done.state()).isEqualTo(RunState.FAILED);
    assertThat(done.reason()).isEqualTo("container exited with status 2");
    assertThat(f.instances.vms).isEmpty();
    assertThat(f.events(RunEvent.Failed.class))
        .extracting(RunEvent.Failed::exitCode)
        .containsExactly(2);
  }

  @Test
  void a_thousand_duplicate_completions_delete_the_vm_exactly_once() throws Exception {
    Run run = f.submit(RunSpec.of("churn", IMAGE));
    EventEnvelope<TrainingCompleted> event = f.completion(run, 0);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Object>> deliveries = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        deliveries.add(() -> f.service.complete(event));
      }
      for (Future<Object> delivery : pool.invokeAll(deliveries)) {
        delivery.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(f.instances.deleteCalls).containsExactly(run.id());
    assertThat(f.events(RunEvent.Succeeded.class)).hasSize(1);
    assertThat(f.runs.find(run.id()).orElseThrow().state()).isEqualTo(RunState.SUCCEEDED);
  }

  @Test
  void late_completion_of_an_earlier_attempt_does_not_end_the_current_one() {
    Run run = f.submit(spot("retry"));
    EventEnvelope<TrainingCompleted> firstAttempt = f.completion(run, 0);
    f.service.preempted(run.id(), run.instance(), "Spot VM preempted");

    Run after = f.service.complete(firstAttempt).orElseThrow();

    assertThat(after.state()).isEqualTo(RunState.RUNNING);
    assertThat(after.attempt()).isEqualTo(2);
    assertThat(f.instances.vms).containsOnlyKeys(run.id() + "-a2");
  }

  @Test
  void same_idempotency_key_returns_the_same_run_and_creates_one_vm() {
    Run first = f.service.submit(OWNER, RunSpec.of("churn", IMAGE), "key-1", null);
    Run second = f.service.submit(OWNER, RunSpec.of("churn", IMAGE), "key-1", null);
    Run otherOwner = f.service.submit("bob@example.com", RunSpec.of("churn", IMAGE), "key-1", null);

    assertThat(second.id()).isEqualTo(first.id());
    assertThat(otherOwner.id()).isNotEqualTo(first.id());
    assertThat(f.instances.createCalls.get()).isEqualTo(2);
  }

  @Test
  void quota_error_fails_the_run_with_the_gce_reason_and_leaves_no_vm() {
    f.instances.createFailure =
        new PlatformException(
            PlatformException.Kind.QUOTA_EXCEEDED,
            "QUOTA_EXCEEDED",
            "Quota 'NVIDIA_L4_GPUS' exceeded. Limit: 0.0 in region europe-west4.");

    Run run = f.submit(spot("retry"));

    assertThat(run.state()).isEqualTo(RunState.FAILED);
    assertThat(run.reason()).contains("QUOTA_EXCEEDED").contains("NVIDIA_L4_GPUS");
    assertThat(f.instances.vms).isEmpty();
    assertThat(f.events(RunEvent.Failed.class)).hasSize(1);
  }

  @Test
  void stockout_in_the_first_zone_lands_the_vm_in_the_second() {
    f.instances.exhaustedZones.add("europe-west4-a");

    Run run = f.submit(RunSpec.of("churn", IMAGE));

    assertThat(run.state()).isEqualTo(RunState.RUNNING);
    assertThat(run.zone()).isEqualTo("europe-west4-b");
  }

  @Test
  void stockout_in_every_zone_fails_the_run_naming_the_zones() {
    f.instances.exhaustedZones.addAll(List.of("europe-west4-a", "europe-west4-b"));

    Run run = f.submit(RunSpec.of("churn", IMAGE));

    assertThat(run.state()).isEqualTo(RunState.FAILED);
    assertThat(run.reason())
        .contains("no capacity")
        .contains("europe-west4-a")
        .contains("ZONE_RESOURCE_POOL_EXHAUSTED");
    assertThat(f.instances.vms).isEmpty();
  }

  @Test
  void cancel_deletes_the_vm_and_ends_cancelled_once() {
    Run run = f.submit(RunSpec.of("churn", IMAGE));

    Run cancelled = f.service.cancel(run.id(), "bob@example.com").orElseThrow();
    f.service.cancel(run.id(), "bob@example.com");

    assertThat(cancelled.state()).isEqualTo(RunState.CANCELLED);
    assertThat(f.instances.vms).isEmpty();
    assertThat(f.events(RunEvent.Cancelled.class)).hasSize(1);
    assertThat(f.service.complete(f.completion(run, 0)).orElseThrow().state())
        .isEqualTo(RunState.CANCELLED);
  }

  @Test
  void invalid_spec_is_rejected_before_anything_is_created() {
    assertThatThrownBy(() -> f.submit(RunSpec.of("Bad Name", "ubuntu")))
        .isInstanceOf(InvalidRunSpecException.class);
    assertThat(f.instances.createCalls.get()).isZero();
  }

  @Test
  void success_starts_follow_up_runs_with_the_artifacts_as_input() {
    RunSpec train =
        new RunSpec(
            "train",
            IMAGE,
            null,
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            List.of(RunSpec.of("evaluate", IMAGE)));
    Run run = f.submit(train);

    f.service.complete(f.completion(run, 0));

    Run child =
        f.runs.list(RunRepository.BY_OWNER, OWNER, r -> true, "", 10, null).items().stream()
            .filter(r -> run.id().equals(r.parentRunId()))
            .findFirst()
            .orElseThrow();
    assertThat(child.spec().name()).isEqualTo("evaluate");
    assertThat(child.spec().inputs()).containsExactly(f.plan.outputUri(run));
    assertThat(child.state()).isEqualTo(RunState.RUNNING);
  }
}
