package dev.mlcp.registry.models.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.registry.models.Alias;
import dev.mlcp.registry.models.Direction;
import dev.mlcp.registry.models.Evaluation;
import dev.mlcp.registry.models.Evaluator;
import dev.mlcp.registry.models.GateDecision;
import dev.mlcp.registry.models.Model;
import dev.mlcp.registry.models.ModelVersion;
import dev.mlcp.registry.models.Names;
import dev.mlcp.registry.models.Policy;
import dev.mlcp.registry.models.Registration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the registry's API shows and accepts. */
public final class Views {
  private Views() {}

  /**
   * A model.
   *
   * @param name its name
   * @param owner its owner
   * @param createdAt created at
   * @param updatedAt last change
   * @param latestVersion the highest version number handed out
   * @param aliases where its aliases point now
   * @param policy its validation gate, null for none
   * @param evaluators its evaluators
   */
  public record ModelView(
      String name,
      String owner,
      Instant createdAt,
      Instant updatedAt,
      String latestVersion,
      List<AliasSummary> aliases,
      PolicyBody policy,
      List<Evaluator> evaluators) {
    static ModelView of(Model m, List<Alias> aliases) {
      return new ModelView(
          m.id(),
          m.owner(),
          m.createdAt(),
          m.updatedAt(),
          m.latestVersion() == 0 ? null : Names.versionName(m.latestVersion()),
          aliases.stream().map(a -> AliasSummary.of(a, m.policyOrNone())).toList(),
          m.policy() == null ? null : PolicyBody.of(m.policy()),
          m.evaluators());
    }
  }

  /**
   * A page of models.
   *
   * @param models the models, newest first
   * @param nextPageToken the next page's token, null on the last
   */
  public record ModelPage(List<ModelView> models, String nextPageToken) {}

  /**
   * Where an alias points.
   *
   * @param name the alias
   * @param version {@code v<n>}
   * @param protectedAlias whether only the gate (or an admin with a reason) moves it
   * @param updatedAt its last move
   */
  public record AliasSummary(
      String name, String version, boolean protectedAlias, Instant updatedAt) {
    static AliasSummary of(Alias a, Policy policy) {
      return new AliasSummary(
          a.name(),
          a.version() == 0 ? null : Names.versionName(a.version()),
          policy.isProtected(a.name()),
          a.updatedAt());
    }
  }

  /**
   * A version.
   *
   * @param model the model
   * @param version {@code v<n>}
   * @param number n
   * @param state claimed, registered or rejected
   * @param runId the run it came from
   * @param owner the model's owner
   * @param uri its registry prefix
   * @param manifestSha256 its identity
   * @param sizeBytes total size
   * @param fileCount files
   * @param metrics the run's metrics
   * @param createdAt claimed at
   * @param registeredAt registered at
   * @param reason why it was rejected
   * @param gate the gate's latest decision
   * @param manifest its manifest (in the single-version view)
   */
  public record VersionView(
      String model,
      String version,
      int number,
      String state,
      String runId,
      String owner,
      String uri,
      String manifestSha256,
      long sizeBytes,
      int fileCount,
      Map<String, Double> metrics,
      Instant createdAt,
      Instant registeredAt,
      String reason,
      GateDecision gate,
      JsonNode manifest) {
    static VersionView of(ModelVersion v, JsonNode manifest) {
      return new VersionView(
          v.model(),
          v.name(),
          v.number(),
          v.state().name(),
          v.runId(),
          v.owner(),
          v.uri(),
          v.manifestSha256(),
          v.sizeBytes(),
          v.fileCount(),
          v.metrics(),
          v.createdAt(),
          v.registeredAt(),
          v.reason(),
          v.gate(),
          manifest);
    }
  }

  /**
   * A page of versions.
   *
   * @param versions newest first
   * @param nextPageToken the next page's token, null on the last
   */
  public record VersionPage(List<VersionView> versions, String nextPageToken) {}

  /**
   * An alias with its history.
   *
   * @param model the model
   * @param name the alias
   * @param version where it points, {@code v<n>}
   * @param protectedAlias whether only the gate (or an admin with a reason) moves it
   * @param updatedAt its last move
   * @param history every move, newest first (at most the last 100)
   */
  public record AliasView(
      String model,
      String name,
      String version,
      boolean protectedAlias,
      Instant updatedAt,
      List<MoveView> history) {
    static AliasView of(Alias a, Policy policy) {
      List<MoveView> moves = new java.util.ArrayList<>();
      for (int i = a.history().size() - 1; i >= 0 && moves.size() < 100; i--) {
        moves.add(MoveView.of(a.history().get(i)));
      }
      return new AliasView(
          a.model(),
          a.name(),
          a.version() == 0 ? null : Names.versionName(a.version()),
          policy.isProtected(a.name()),
          a.updatedAt(),
          moves);
    }
  }

  /**
   * One move of an alias.
   *
   * @param sequence its number
   * @param from the version before, null when unset
   * @param to the version after
   * @param by who
   * @param via gate, manual or admin
   * @param reason why
   * @param at when
   */
  public record MoveView(
      long sequence, String from, String to, String by, String via, String reason, Instant at) {
    static MoveView of(Alias.Move m) {
      return new MoveView(
          m.sequence(),
          m.fromVersion() == 0 ? null : Names.versionName(m.fromVersion()),
          Names.versionName(m.toVersion()),
          m.by(),
          m.via(),
          m.reason(),
          m.at());
    }
  }

  /**
   * Which version an alias held at a time.
   *
   * @param model the model
   * @param name the alias
   * @param at the time asked about
   * @param version the version it held then
   * @param since the move that put it there
   */
  public record AliasAtView(
      String model, String name, Instant at, String version, MoveView since) {}

  /**
   * A request to move an alias.
   *
   * @param version the version, {@code 7} or {@code v7}
   * @param reason why (required for an admin's move of a protected alias)
   */
  public record AliasMoveBody(String version, String reason) {}

  /**
   * A model's policy, as the API reads and writes it.
   *
   * @param checks metric thresholds
   * @param champion comparison with the champion, null for none
   * @param requiredEvaluations evaluators whose evaluation must land
   * @param promoteTo aliases moved when the gate passes
   * @param protectedAliases aliases only the gate (or an admin with a reason) moves
   */
  public record PolicyBody(
      List<CheckBody> checks,
      ChampionBody champion,
      List<String> requiredEvaluations,
      List<String> promoteTo,
      List<String> protectedAliases) {
    static PolicyBody of(Policy p) {
      return new PolicyBody(
          p.checks().stream()
              .map(
                  c -> new CheckBody(c.metric(), c.evaluator(), wire(c.direction()), c.threshold()))
              .toList(),
          p.champion() == null
              ? null
              : new ChampionBody(
                  p.champion().alias(),
                  p.champion().metric(),
                  wire(p.champion().direction()),
                  p.champion().minRelativeImprovement(),
                  p.champion().minAbsoluteImprovement()),
          p.requiredEvaluations(),
          p.promoteTo(),
          p.protectedAliases());
    }

    /** The domain policy (its violations are checked by the service). */
    Policy toPolicy() {
      List<Policy.MetricCheck> cs =
          checks == null
              ? List.of()
              : checks.stream()
                  .map(
                      c ->
                          c == null
                              ? new Policy.MetricCheck(null, null, null, Double.NaN)
                              : new Policy.MetricCheck(
                                  c.metric(),
                                  c.evaluator(),
                                  Direction.parse(c.direction()),
                                  c.threshold() == null ? Double.NaN : c.threshold()))
                  .toList();
      Policy.ChampionComparison ch =
          champion == null
              ? null
              : new Policy.ChampionComparison(
                  champion.alias() == null ? "champion" : champion.alias(),
                  champion.metric(),
                  Direction.parse(champion.direction()),
                  champion.minRelativeImprovement() == null ? 0 : champion.minRelativeImprovement(),
                  champion.minAbsoluteImprovement() == null
                      ? 0
                      : champion.minAbsoluteImprovement());
      return new Policy(
          cs, ch, names(requiredEvaluations), names(promoteTo), names(protectedAliases));
    }

    /** Null entries become "" (reported as invalid names rather than failing the copy). */
    private static List<String> names(List<String> names) {
      return names == null ? null : names.stream().map(n -> n == null ? "" : n).toList();
    }

    private static String wire(Direction d) {
      return d == null ? null : d.name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A threshold.
   *
   * @param metric the metric
   * @param evaluator the evaluator whose evaluation holds it; null for the run's metrics.json
   * @param direction {@code higher} or {@code lower} is better
   * @param threshold the value to reach
   */
  public record CheckBody(String metric, String evaluator, String direction, Double threshold) {}

  /**
   * The champion comparison.
   *
   * @param alias the champion's alias (default {@code champion})
   * @param metric the metric
   * @param direction {@code higher} or {@code lower} is better
   * @param minRelativeImprovement least relative improvement (0.01 = 1 %)
   * @param minAbsoluteImprovement least absolute improvement
   */
  public record ChampionBody(
      String alias,
      String metric,
      String direction,
      Double minRelativeImprovement,
      Double minAbsoluteImprovement) {}

  /**
   * A model's evaluators.
   *
   * @param evaluators the evaluators
   */
  public record EvaluatorsBody(List<Evaluator> evaluators) {}

  /**
   * A request for evaluation runs.
   *
   * @param versions the versions ({@code 7} or {@code v7}); for {@code …/versions/{n}:evaluate}
   *     leave it out
   * @param evaluators evaluator names; empty for all of the model's
   */
  public record EvaluateBody(List<String> versions, List<String> evaluators) {}

  /**
   * An evaluation.
   *
   * @param id its id (the run's {@code evaluation} label)
   * @param model the model
   * @param version the version
   * @param evaluator the evaluator's name
   * @param image its image
   * @param state requested, landed, failed or expired
   * @param runId the evaluation run
   * @param metrics its metrics
   * @param reason why it failed or expired
   * @param requestedBy who asked
   * @param createdAt requested at
   * @param updatedAt last change
   */
  public record EvaluationView(
      String id,
      String model,
      String version,
      String evaluator,
      String image,
      String state,
      String runId,
      Map<String, Double> metrics,
      String reason,
      String requestedBy,
      Instant createdAt,
      Instant updatedAt) {
    static EvaluationView of(Evaluation e) {
      return new EvaluationView(
          e.id(),
          e.model(),
          Names.versionName(e.version()),
          e.evaluator().name(),
          e.evaluator().image(),
          e.state().name(),
          e.runId(),
          e.metrics(),
          e.reason(),
          e.requestedBy(),
          e.createdAt(),
          e.updatedAt());
    }
  }

  /**
   * Evaluations.
   *
   * @param evaluations newest first
   */
  public record EvaluationList(List<EvaluationView> evaluations) {}

  /**
   * What became of a run's outputs.
   *
   * @param runId the run
   * @param model the model
   * @param owner the run's owner
   * @param state received, claimed, copied, recorded, done or rejected
   * @param version the version, once claimed
   * @param manifestSha256 the manifest's SHA-256, once written
   * @param reason why it was rejected
   * @param failedChecks what failed, in words
   * @param createdAt received at
   * @param updatedAt last change
   * @param history every step
   */
  public record RegistrationView(
      String runId,
      String model,
      String owner,
      String state,
      String version,
      String manifestSha256,
      String reason,
      List<String> failedChecks,
      Instant createdAt,
      Instant updatedAt,
      List<Registration.Step> history) {
    static RegistrationView of(Registration r) {
      return new RegistrationView(
          r.id(),
          r.model(),
          r.owner(),
          r.state().name(),
          r.version() == 0 ? null : Names.versionName(r.version()),
          r.manifestSha256(),
          r.reason(),
          r.failedChecks(),
          r.createdAt(),
          r.updatedAt(),
          r.history());
    }
  }
}
