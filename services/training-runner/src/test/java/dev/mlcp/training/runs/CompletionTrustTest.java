package dev.mlcp.training.runs;

import static dev.mlcp.training.runs.LifecycleFixture.IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A completion event is believed only for what training-runner cannot derive: it may end the run's
 * current attempt on the run's own VM, and a forged or misdirected event deletes nothing it should
 * not.
 */
class CompletionTrustTest {
  @TempDir Path dir;
  LifecycleFixture f;

  @BeforeEach
  void setUp() {
    f = new LifecycleFixture(dir);
  }

  private void put(String name, Map<String, String> labels) {
    f.instances.vms.put(
        name,
        new Instance(
            name,
            "europe-west4-a",
            InstanceStatus.RUNNING,
            "n1-standard-4",
            false,
            labels,
            null,
            null,
            Instant.now()));
  }

  private EventEnvelope<TrainingCompleted> forged(
      String runId, int attempt, String instance, String outputUri) {
    return new EventEnvelope<>(
        "forged-" + instance,
        "//mlcp/vm-agent/" + instance,
        Instant.now(),
        runId,
        new TrainingCompleted(
            runId,
            attempt,
            instance,
            "europe-west4-a",
            0,
            outputUri,
            null,
            Instant.now(),
            Instant.now(),
            null));
  }

  @Test
  void forged_completion_of_an_unknown_run_naming_a_serving_vm_deletes_nothing() {
    put("serving-web-r7-abcd", Map.of("mlcp-service", "web"));
    put("notebook-ana", Map.of("mlcp-experiment", "ana"));

    f.service.complete(forged("run-00000000000000000000000000", 1, "serving-web-r7-abcd", null));
    f.service.complete(forged("run-00000000000000000000000000", 1, "notebook-ana", null));

    assertThat(f.instances.vms).containsKeys("serving-web-r7-abcd", "notebook-ana");
    assertThat(f.instances.deleteCalls).isEmpty();
  }

  @Test
  void completion_naming_another_runs_instance_is_ignored() {
    Run a = f.submit(RunSpec.of("churn", IMAGE));
    Run b = f.submit(RunSpec.of("churn", IMAGE));

    Run after = f.service.complete(forged(a.id(), 1, b.instance(), null)).orElseThrow();

    assertThat(after.state()).isEqualTo(RunState.RUNNING);
    assertThat(f.instances.vms).containsKeys(a.instance(), b.instance());
    assertThat(f.runs.find(b.id()).orElseThrow().state()).isEqualTo(RunState.RUNNING);
    assertThat(f.events(RunEvent.Succeeded.class)).isEmpty();
  }

  @Test
  void completion_of_an_attempt_the_run_never_had_is_not_believed() {
    Run run = f.submit(RunSpec.of("churn", IMAGE));

    Run after = f.service.complete(forged(run.id(), 7, run.instance(), null)).orElseThrow();

    assertThat(after.state()).isEqualTo(RunState.RUNNING);
    assertThat(f.instances.vms).containsKey(run.instance());
  }

  @Test
  void the_runs_own_output_uri_is_recorded_whatever_the_event_says() {
    Run run = f.submit(RunSpec.of("churn", IMAGE));

    Run done =
        f.service
            .complete(forged(run.id(), 1, run.instance(), "gs://attacker-bucket/models/prod/"))
            .orElseThrow();

    assertThat(done.state()).isEqualTo(RunState.SUCCEEDED);
    assertThat(done.artifactUri()).isEqualTo("gs://staging-bucket/staging/" + run.id() + "/");
    assertThat(f.events(RunEvent.Succeeded.class).get(0).artifactUri())
        .isEqualTo(done.artifactUri());
  }

  @Test
  void late_report_of_an_earlier_attempt_deletes_that_vm_only_if_labelled_for_the_run() {
    Run run = f.submit(RunLifecycleTest.spot("retry"));
    EventEnvelope<TrainingCompleted> first = f.completion(run, 0);
    f.service.preempted(run.id(), run.instance(), "Spot VM preempted");
    put(run.instance(), Map.of("mlcp-run", run.id())); // GCE has not deleted it yet
    put("not-mine", Map.of("team", "x"));

    f.service.complete(first);
    f.service.complete(forged(run.id(), 1, "not-mine", null));

    assertThat(f.instances.vms).doesNotContainKey(run.instance()).containsKey("not-mine");
    assertThat(f.runs.find(run.id()).orElseThrow().attempt()).isEqualTo(2);
  }

  @Test
  void the_completion_returns_before_the_vm_deletion_finishes() {
    Run run = f.submit(RunSpec.of("churn", IMAGE));
    f.instances.deleteOperation = Duration.ofSeconds(60);

    long start = System.nanoTime();
    f.service.complete(f.completion(run, 0));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isLessThan(Duration.ofSeconds(10));
    assertThat(f.instances.requestedDeletes).containsExactly(run.instance());
    assertThat(f.events(RunEvent.Succeeded.class)).hasSize(1);
  }
}
