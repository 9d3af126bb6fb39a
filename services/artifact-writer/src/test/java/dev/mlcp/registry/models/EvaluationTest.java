package dev.mlcp.registry.models;

import static dev.mlcp.registry.models.RegistryFixture.OWNER;
import static dev.mlcp.registry.models.RegistryFixture.SOURCE;
import static dev.mlcp.registry.models.RegistryFixture.runId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.events.ModelEvent;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.TrainingRequested;
import dev.mlcp.platform.warehouse.TableId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {
  @TempDir Path dir;

  static final String ATTACK_IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-evaluator:1";

  private static List<Evaluator> evaluators() {
    return List.of(
        new Evaluator("attacks", ATTACK_IMAGE, List.of("--noise", "0.5"), null),
        new Evaluator("fairness", ATTACK_IMAGE, List.of("--slice", "region"), "n1-standard-8"));
  }

  /** The run.succeeded of the evaluation run that {@code request} asked training-runner for. */
  private RunEvent.Succeeded evaluationRun(
      RegistryFixture f, String runId, TrainingRequested request, String metrics) {
    f.stage(runId, Map.of("metrics.json", metrics, "report.txt", "attack report"));
    return f.succeeded(
        runId,
        request.spec().name(),
        request.owner(),
        "pubsub",
        SOURCE,
        null,
        request.spec().labels());
  }

  @Test
  void evaluating_a_version_starts_one_run_per_evaluator_through_training_requests() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(1), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
    f.models.setEvaluators("churn", evaluators(), OWNER);

    List<Evaluation> started = f.evaluations.request("churn", List.of(1), null, "bob@example.com");

    assertThat(started).hasSize(2);
    List<TrainingRequested> requests =
        f.events(TrainingRequested.class).stream().map(e -> (TrainingRequested) e.event()).toList();
    assertThat(requests).extracting(r -> r.spec().name()).containsExactly("attacks", "fairness");
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(r.owner()).as("runs belong to the model's owner").isEqualTo(OWNER);
              assertThat(r.spec().inputs())
                  .containsExactly("gs://mlcp-test-models/models/churn/versions/1/");
              assertThat(r.spec().labels())
                  .containsEntry("evaluates-model", "churn")
                  .containsEntry("evaluates-version", "v1")
                  .containsKey("evaluation");
              assertThat(r.spec().labels().keySet()).noneMatch(k -> k.startsWith("mlcp-"));
              assertThat(r.requestKey()).isEqualTo(r.spec().labels().get("evaluation"));
            });
    assertThat(requests.get(1).spec().machineType()).isEqualTo("n1-standard-8");
  }

  @Test
  void an_evaluation_runs_metrics_land_on_the_version_and_re_run_the_gate() throws Exception {
    RegistryFixture f = new RegistryFixture(dir);
    f.models.setEvaluators("churn", evaluators(), OWNER);
    f.policy(
        "churn",
        new Policy(
            List.of(new Policy.MetricCheck("robust_accuracy", "attacks", Direction.HIGHER, 0.6)),
            null,
            List.of("attacks"),
            List.of("production"),
            List.of("production")));
    f.stageModel(runId(1), 0.9);

    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));

    assertThat(f.repo.registered("churn", 1).gate().outcome())
        .as("waiting for the required evaluation, started on registration")
        .isEqualTo(GateDecision.Outcome.PENDING);
    assertThat(f.gate.current("churn", "production")).isEmpty();
    TrainingRequested request =
        (TrainingRequested) f.events(TrainingRequested.class).get(0).event();
    assertThat(request.spec().name()).isEqualTo("attacks");

    RunEvent.Succeeded done =
        evaluationRun(f, runId(50), request, "{\"robust_accuracy\":0.72,\"clean_accuracy\":0.9}");
    assertThat(f.registrations.onSucceeded(done)).as("not a registration").isEmpty();
    f.registrations.onSucceeded(done);

    Evaluation landed = f.evaluations.of("churn", 1).get(0);
    assertThat(landed.state()).isEqualTo(Evaluation.EvaluationState.LANDED);
    assertThat(landed.runId()).isEqualTo(runId(50));
    assertThat(landed.metrics()).containsEntry("robust_accuracy", 0.72);
    assertThat(f.repo.registered("churn", 1).gate().outcome())
        .isEqualTo(GateDecision.Outcome.PASSED);
    assertThat(f.gate.current("churn", "production"))
        .get()
        .extracting(ModelVersion::number)
        .isEqualTo(1);
    assertThat(f.warehouse.preview(new TableId("mlcp_registry", "evaluations"), 10).rows())
        .as("one row per metric, once")
        .hasSize(2);
    assertThat(f.repo.registrations().find(runId(50))).as("no registration").isEmpty();
    assertThat(f.lineage.of("churn", 1).evaluations())
        .singleElement()
        .satisfies(e -> assertThat(e.runId()).isEqualTo(runId(50)));
  }

  @Test
  void an_evaluation_below_its_threshold_fails_the_gate_with_the_check_in_words() {
    RegistryFixture f = new RegistryFixture(dir);
    f.models.setEvaluators("churn", evaluators(), OWNER);
    f.policy(
        "churn",
        new Policy(
            List.of(new Policy.MetricCheck("robust_accuracy", "attacks", Direction.HIGHER, 0.6)),
            null,
            List.of(),
            List.of("production"),
            List.of()));
    f.stageModel(runId(1), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
    TrainingRequested request =
        (TrainingRequested) f.events(TrainingRequested.class).get(0).event();

    f.registrations.onSucceeded(evaluationRun(f, runId(51), request, "{\"robust_accuracy\":0.4}"));

    assertThat(f.repo.registered("churn", 1).gate().failedChecks())
        .containsExactly(
            "attacks/robust_accuracy >= 0.6: attacks/robust_accuracy is 0.4, below the threshold 0.6");
    assertThat(f.events(ModelEvent.Rejected.class)).hasSize(1);
  }

  @Test
  void evaluation_labels_on_a_run_not_requested_by_the_registry_are_not_believed() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(60), 0.9);

    Registration r =
        f.registrations
            .onSucceeded(
                f.succeeded(
                    runId(60), "attacks", OWNER, "api", OWNER, null, Map.of("evaluation", "ev-x")))
            .orElseThrow();

    assertThat(r.state()).isEqualTo(Registration.RegistrationState.REJECTED);
    assertThat(r.reason()).startsWith("ad-hoc run");
  }

  @Test
  void unknown_evaluators_versions_not_registered_and_too_many_runs_are_refused() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(1), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));

    assertThatThrownBy(() -> f.evaluations.request("churn", List.of(1), null, OWNER))
        .isInstanceOf(RegistryException.Conflict.class)
        .hasMessageContaining("no evaluators");
    f.models.setEvaluators("churn", evaluators(), OWNER);
    assertThatThrownBy(() -> f.evaluations.request("churn", List.of(1), List.of("nope"), OWNER))
        .isInstanceOfSatisfying(
            RegistryException.Invalid.class,
            e -> assertThat(e.violations().get(0).field()).isEqualTo("evaluators[0]"));
    assertThatThrownBy(() -> f.evaluations.request("churn", List.of(7), null, OWNER))
        .isInstanceOf(RegistryException.NotFound.class);
    assertThatThrownBy(
            () ->
                f.models.setEvaluators(
                    "churn", List.of(new Evaluator("Bad", "ubuntu:22.04", List.of(), null)), OWNER))
        .isInstanceOfSatisfying(
            RegistryException.Invalid.class,
            e ->
                assertThat(e.violations())
                    .extracting(RegistryException.Violation::field)
                    .containsExactly("evaluators[0].name", "evaluators[0].image"));
  }

  @Test
  void an_evaluation_whose_run_never_reports_expires_after_the_timeout() {
    RegistryFixture f = new RegistryFixture(dir);
    f.stageModel(runId(1), 0.9);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
    f.models.setEvaluators("churn", evaluators(), OWNER);
    f.evaluations.request("churn", List.of(1), List.of("attacks"), OWNER);

    f.clock.advance(Duration.ofHours(47));
    assertThat(f.reconciler.reconcile().expiredEvaluations()).isZero();
    f.clock.advance(Duration.ofHours(2));
    assertThat(f.reconciler.reconcile().expiredEvaluations()).isEqualTo(1);

    assertThat(f.evaluations.of("churn", 1).get(0).state())
        .isEqualTo(Evaluation.EvaluationState.EXPIRED);
  }
}
