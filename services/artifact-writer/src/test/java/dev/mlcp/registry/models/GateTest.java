package dev.mlcp.registry.models;

import static dev.mlcp.registry.models.RegistryFixture.OWNER;
import static dev.mlcp.registry.models.RegistryFixture.runId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.events.ModelEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GateTest {
  @TempDir Path dir;

  static final Policy PRODUCTION_GATE =
      new Policy(
          List.of(new Policy.MetricCheck("accuracy", null, Direction.HIGHER, 0.8)),
          new Policy.ChampionComparison("champion", "accuracy", Direction.HIGHER, 0.01, 0),
          List.of(),
          List.of("champion", "production"),
          List.of("production"));

  private static ModelVersion version(int n, Map<String, Double> metrics) {
    return ModelVersion.claimed(
            "m", n, runId(n), OWNER, "gs://b/models/m/versions/" + n + "/", Instant.EPOCH)
        .register("sha", 1, 1, metrics, Instant.EPOCH);
  }

  @Test
  void a_version_meeting_every_threshold_passes_and_one_below_fails_naming_the_check() {
    GateDecision pass =
        Gate.decide(
            PRODUCTION_GATE,
            version(1, Map.of("accuracy", 0.9)),
            null,
            Map.of(),
            "t",
            Instant.EPOCH);
    GateDecision fail =
        Gate.decide(
            PRODUCTION_GATE,
            version(2, Map.of("accuracy", 0.7)),
            null,
            Map.of(),
            "t",
            Instant.EPOCH);
    GateDecision missing =
        Gate.decide(
            PRODUCTION_GATE, version(3, Map.of("loss", 0.1)), null, Map.of(), "t", Instant.EPOCH);

    assertThat(pass.outcome()).isEqualTo(GateDecision.Outcome.PASSED);
    assertThat(fail.outcome()).isEqualTo(GateDecision.Outcome.FAILED);
    assertThat(fail.failedChecks())
        .containsExactly("accuracy >= 0.8: accuracy is 0.7, below the threshold 0.8");
    assertThat(missing.failedChecks())
        .anySatisfy(c -> assertThat(c).contains("missing from metrics.json"));
  }

  @Test
  void lower_is_better_metrics_pass_below_their_threshold() {
    Policy p =
        new Policy(
            List.of(new Policy.MetricCheck("loss", null, Direction.LOWER, 0.5)),
            null,
            List.of(),
            List.of(),
            List.of());

    assertThat(
            Gate.decide(p, version(1, Map.of("loss", 0.4)), null, Map.of(), "t", Instant.EPOCH)
                .outcome())
        .isEqualTo(GateDecision.Outcome.PASSED);
    assertThat(
            Gate.decide(p, version(1, Map.of("loss", 0.6)), null, Map.of(), "t", Instant.EPOCH)
                .outcome())
        .isEqualTo(GateDecision.Outcome.FAILED);
  }

  @Test
  void the_champion_must_be_beaten_by_the_minimum_relative_improvement() {
    ModelVersion champion = version(1, Map.of("accuracy", 0.90));

    GateDecision better =
        Gate.decide(
            PRODUCTION_GATE,
            version(2, Map.of("accuracy", 0.92)),
            champion,
            Map.of(),
            "t",
            Instant.EPOCH);
    GateDecision marginal =
        Gate.decide(
            PRODUCTION_GATE,
            version(3, Map.of("accuracy", 0.905)),
            champion,
            Map.of(),
            "t",
            Instant.EPOCH);

    assertThat(better.outcome()).isEqualTo(GateDecision.Outcome.PASSED);
    assertThat(marginal.outcome()).isEqualTo(GateDecision.Outcome.FAILED);
    assertThat(marginal.failedChecks())
        .singleElement()
        .asString()
        .contains("accuracy 0.905 vs champion v1 0.9: +0.56 %, needs more than 1 %");
  }

  @Test
  void required_evaluations_keep_the_gate_pending_until_they_land() {
    Policy p =
        new Policy(
            List.of(new Policy.MetricCheck("robust_accuracy", "attacks", Direction.HIGHER, 0.6)),
            null,
            List.of("attacks"),
            List.of("champion"),
            List.of());
    ModelVersion v = version(1, Map.of("accuracy", 0.9));
    Evaluation landed =
        Evaluation.requested(
                "ev-1",
                "m",
                1,
                v.uri(),
                new Evaluator("attacks", "img", List.of(), null),
                OWNER,
                OWNER,
                Instant.EPOCH)
            .land("run-x", Map.of("robust_accuracy", 0.7), Instant.EPOCH);

    assertThat(Gate.decide(p, v, null, Map.of(), "t", Instant.EPOCH).outcome())
        .isEqualTo(GateDecision.Outcome.PENDING);
    assertThat(Gate.decide(p, v, null, Map.of("attacks", landed), "t", Instant.EPOCH).outcome())
        .isEqualTo(GateDecision.Outcome.PASSED);
  }

  @Test
  void registration_runs_the_gate_which_promotes_to_champion_and_production() {
    RegistryFixture f = new RegistryFixture(dir);
    f.policy("churn", PRODUCTION_GATE);
    f.stageModel(runId(1), 0.9);

    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));

    assertThat(f.repo.registered("churn", 1).passedGate()).isTrue();
    assertThat(f.gate.current("churn", "production"))
        .get()
        .extracting(ModelVersion::number)
        .isEqualTo(1);
    assertThat(f.gate.current("churn", "champion"))
        .get()
        .extracting(ModelVersion::number)
        .isEqualTo(1);
    assertThat(f.events(ModelEvent.Promoted.class))
        .extracting(e -> ((ModelEvent.Promoted) e.event()).alias())
        .containsExactly("champion", "production");
  }

  @Test
  void a_version_that_does_not_beat_the_champion_is_rejected_and_production_stays() {
    RegistryFixture f = new RegistryFixture(dir);
    f.policy("churn", PRODUCTION_GATE);
    f.stageModel(runId(1), 0.9);
    f.stageModel(runId(2), 0.901);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));

    f.registrations.onSucceeded(f.ciRun(runId(2), "churn"));

    assertThat(f.repo.registered("churn", 2).gate().outcome())
        .isEqualTo(GateDecision.Outcome.FAILED);
    assertThat(f.gate.current("churn", "production"))
        .get()
        .extracting(ModelVersion::number)
        .isEqualTo(1);
    ModelEvent.Rejected rejected =
        (ModelEvent.Rejected) f.events(ModelEvent.Rejected.class).get(0).event();
    assertThat(rejected.version()).isEqualTo("v2");
    assertThat(rejected.failedChecks()).singleElement().asString().contains("vs champion v1");
  }

  @Test
  void
      a_protected_alias_refuses_a_version_that_failed_the_gate_but_an_admin_with_a_reason_moves_it() {
    RegistryFixture f = new RegistryFixture(dir);
    f.policy("churn", PRODUCTION_GATE);
    f.stageModel(runId(1), 0.9);
    f.stageModel(runId(2), 0.5);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
    f.registrations.onSucceeded(f.ciRun(runId(2), "churn"));

    assertThatThrownBy(() -> f.gate.moveByHand("churn", "production", 2, OWNER, false, "ship it"))
        .isInstanceOf(RegistryException.Refused.class)
        .hasMessageContaining("protected");
    assertThatThrownBy(
            () -> f.gate.moveByHand("churn", "production", 2, "admin@example.com", true, " "))
        .isInstanceOf(RegistryException.Refused.class);
    Alias moved =
        f.gate.moveByHand("churn", "production", 2, "admin@example.com", true, "hotfix INC-42");

    assertThat(moved.version()).isEqualTo(2);
    Alias.Move last = moved.history().get(moved.history().size() - 1);
    assertThat(last.via()).isEqualTo("admin");
    assertThat(last.reason()).contains("hotfix INC-42").contains("admin@example.com");
    // An unprotected alias moves by its owner's hand.
    assertThat(f.gate.moveByHand("churn", "staging", 2, OWNER, false, null).version()).isEqualTo(2);
  }

  @Test
  void a_manual_rollback_stands_when_the_gate_runs_again() {
    RegistryFixture f = new RegistryFixture(dir);
    f.policy("churn", PRODUCTION_GATE);
    f.stageModel(runId(1), 0.9);
    f.stageModel(runId(2), 0.95);
    f.registrations.onSucceeded(f.ciRun(runId(1), "churn"));
    f.registrations.onSucceeded(f.ciRun(runId(2), "churn"));
    assertThat(f.gate.current("churn", "production"))
        .get()
        .extracting(ModelVersion::number)
        .isEqualTo(2);

    f.gate.moveByHand("churn", "production", 1, OWNER, false, "v2 misbehaves in production");
    f.gate.run("churn", 2, "evaluation ev-late");

    assertThat(f.gate.current("churn", "production"))
        .get()
        .extracting(ModelVersion::number)
        .isEqualTo(1);
  }

  @Test
  void alias_history_answers_which_version_was_production_at_a_given_time() {
    RegistryFixture f = new RegistryFixture(dir);
    f.policy("churn", new Policy(List.of(), null, List.of(), List.of("production"), List.of()));
    for (int i = 1; i <= 3; i++) {
      f.stageModel(runId(i), 0.9);
      f.registrations.onSucceeded(f.ciRun(runId(i), "churn"));
      f.clock.advance(Duration.ofDays(1));
    }
    Instant t0 = Instant.parse("2026-11-23T10:00:00Z");

    assertThat(f.gate.at("churn", "production", t0.minusSeconds(1))).isEmpty();
    assertThat(f.gate.at("churn", "production", t0).orElseThrow().toVersion()).isEqualTo(1);
    assertThat(
            f.gate
                .at("churn", "production", t0.plus(Duration.ofHours(30)))
                .orElseThrow()
                .toVersion())
        .isEqualTo(2);
    assertThat(
            f.gate
                .at("churn", "production", t0.plus(Duration.ofDays(10)))
                .orElseThrow()
                .toVersion())
        .isEqualTo(3);
    Alias production = f.repo.aliases().find(Alias.idOf("churn", "production")).orElseThrow();
    assertThat(production.history()).extracting(Alias.Move::fromVersion).containsExactly(0, 1, 2);
    assertThat(production.rowsPending()).isFalse();
  }

  @Test
  void an_invalid_policy_names_every_field_at_fault() {
    RegistryFixture f = new RegistryFixture(dir);
    Policy bad =
        new Policy(
            List.of(new Policy.MetricCheck("acc uracy", null, null, Double.NaN)),
            new Policy.ChampionComparison("Champion", "accuracy", Direction.HIGHER, -1, 0),
            List.of(),
            List.of("production", "production"),
            List.of());

    assertThatThrownBy(() -> f.models.setPolicy("churn", bad, OWNER))
        .isInstanceOfSatisfying(
            RegistryException.Invalid.class,
            e ->
                assertThat(e.violations())
                    .extracting(RegistryException.Violation::field)
                    .containsExactlyInAnyOrder(
                        "checks[0].metric",
                        "checks[0].direction",
                        "checks[0].threshold",
                        "champion.alias",
                        "champion.minRelativeImprovement",
                        "promoteTo[1]"));
  }
}
