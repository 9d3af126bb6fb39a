package dev.mlcp.registry.models;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A model's validation gate (TFX's Evaluator "blessing"): what a new version must satisfy before
 * the gate moves {@link #promoteTo} aliases to it, and which aliases only the gate (or an admin
 * with a reason) may move.
 *
 * @param checks thresholds on metrics of the run's {@code metrics.json} or of an evaluation
 * @param champion comparison with the version the champion alias points at; null for none
 * @param requiredEvaluations evaluators whose evaluation must have landed (they are started on
 *     registration); the gate waits (PENDING) until they have
 * @param promoteTo aliases the gate moves to a version that passes
 * @param protectedAliases aliases that move only through the gate, or by an admin with a reason
 */
public record Policy(
    List<MetricCheck> checks,
    ChampionComparison champion,
    List<String> requiredEvaluations,
    List<String> promoteTo,
    List<String> protectedAliases) {

  static final int MAX_CHECKS = 50;
  static final int MAX_ALIASES = 10;

  public Policy {
    checks = checks == null ? List.of() : List.copyOf(checks);
    requiredEvaluations =
        requiredEvaluations == null ? List.of() : List.copyOf(requiredEvaluations);
    promoteTo = promoteTo == null ? List.of() : List.copyOf(promoteTo);
    protectedAliases = protectedAliases == null ? List.of() : List.copyOf(protectedAliases);
  }

  /** No checks and nothing to promote: what a model without a policy gets. */
  public static Policy none() {
    return new Policy(List.of(), null, List.of(), List.of(), List.of());
  }

  /** Whether {@code alias} moves only through the gate or by an admin with a reason. */
  public boolean isProtected(String alias) {
    return protectedAliases.contains(alias);
  }

  /** The evaluators whose evaluation the gate needs: required ones and those checks name. */
  public Set<String> evaluatorsNeeded() {
    Set<String> out = new HashSet<>(requiredEvaluations);
    checks.stream().map(MetricCheck::evaluator).filter(e -> e != null).forEach(out::add);
    return out;
  }

  /** Every rule the policy breaks, each naming its field. */
  public List<RegistryException.Violation> violations() {
    List<RegistryException.Violation> out = new ArrayList<>();
    if (checks.size() > MAX_CHECKS) {
      out.add(new RegistryException.Violation("checks", "at most " + MAX_CHECKS + " checks"));
    }
    for (int i = 0; i < checks.size(); i++) {
      MetricCheck c = checks.get(i);
      String p = "checks[" + i + "]";
      if (c == null) {
        out.add(new RegistryException.Violation(p, "must be a check"));
        continue;
      }
      if (!Names.isMetric(c.metric())) {
        out.add(new RegistryException.Violation(p + ".metric", "must be a metric name"));
      }
      if (c.evaluator() != null && !Names.isName(c.evaluator())) {
        out.add(new RegistryException.Violation(p + ".evaluator", "must be " + Names.rule()));
      }
      if (c.direction() == null) {
        out.add(new RegistryException.Violation(p + ".direction", "must be higher or lower"));
      }
      if (!Double.isFinite(c.threshold())) {
        out.add(new RegistryException.Violation(p + ".threshold", "must be a finite number"));
      }
    }
    if (champion != null) {
      if (!Names.isName(champion.alias())) {
        out.add(new RegistryException.Violation("champion.alias", "must be " + Names.rule()));
      }
      if (!Names.isMetric(champion.metric())) {
        out.add(new RegistryException.Violation("champion.metric", "must be a metric name"));
      }
      if (champion.direction() == null) {
        out.add(new RegistryException.Violation("champion.direction", "must be higher or lower"));
      }
      if (!(champion.minRelativeImprovement() >= 0)
          || !Double.isFinite(champion.minRelativeImprovement())) {
        out.add(
            new RegistryException.Violation(
                "champion.minRelativeImprovement", "must be a finite number >= 0 (0.01 = 1 %)"));
      }
      if (!(champion.minAbsoluteImprovement() >= 0)
          || !Double.isFinite(champion.minAbsoluteImprovement())) {
        out.add(
            new RegistryException.Violation(
                "champion.minAbsoluteImprovement", "must be a finite number >= 0"));
      }
    }
    names("requiredEvaluations", requiredEvaluations, out);
    names("promoteTo", promoteTo, out);
    names("protectedAliases", protectedAliases, out);
    return out;
  }

  private static void names(
      String field, List<String> names, List<RegistryException.Violation> out) {
    if (names.size() > MAX_ALIASES) {
      out.add(new RegistryException.Violation(field, "at most " + MAX_ALIASES + " names"));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (!Names.isName(n)) {
        out.add(new RegistryException.Violation(field + "[" + i + "]", "must be " + Names.rule()));
      } else if (!seen.add(n)) {
        out.add(new RegistryException.Violation(field + "[" + i + "]", "is listed twice"));
      }
    }
  }

  /**
   * A threshold on one metric.
   *
   * @param metric the metric's name
   * @param evaluator the evaluator whose evaluation holds the metric; null for the run's own {@code
   *     metrics.json}
   * @param direction which way is better
   * @param threshold the value to reach ({@code >=} for higher, {@code <=} for lower)
   */
  public record MetricCheck(
      String metric, String evaluator, Direction direction, double threshold) {
    /** The metric as the gate names it: {@code accuracy} or {@code robustness/accuracy}. */
    public String label() {
      return evaluator == null ? metric : evaluator + "/" + metric;
    }
  }

  /**
   * The comparison with the current champion (TFX's change threshold): the candidate must beat the
   * version {@code alias} points at by at least both improvements.
   *
   * @param alias the champion's alias, usually {@code champion}
   * @param metric the metric compared (from the runs' {@code metrics.json})
   * @param direction which way is better
   * @param minRelativeImprovement the least improvement relative to the champion's value (0.01 = 1
   *     %)
   * @param minAbsoluteImprovement the least improvement in the metric's own unit
   */
  public record ChampionComparison(
      String alias,
      String metric,
      Direction direction,
      double minRelativeImprovement,
      double minAbsoluteImprovement) {}
}
