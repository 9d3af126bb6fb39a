package dev.mlcp.registry.models;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The validation gate as a pure function of a model's policy, the candidate version, the current
 * champion and the candidate's evaluations: every check in words, and the outcome. Nothing here
 * touches storage; {@link GateService} applies the decision.
 */
public final class Gate {
  private Gate() {}

  /**
   * Decides about {@code candidate}.
   *
   * @param policy the model's policy
   * @param candidate the version judged (registered)
   * @param champion the version the policy's champion alias points at; null when unset
   * @param evaluations the candidate's latest landed evaluation per evaluator name
   * @param trigger what ran the gate, recorded with the decision
   * @param now the decision's time
   */
  public static GateDecision decide(
      Policy policy,
      ModelVersion candidate,
      ModelVersion champion,
      Map<String, Evaluation> evaluations,
      String trigger,
      Instant now) {
    List<GateDecision.Check> checks = new ArrayList<>();
    for (Policy.MetricCheck c : policy.checks()) {
      String name = c.label() + " " + c.direction().symbol() + " " + number(c.threshold());
      Map<String, Double> metrics;
      if (c.evaluator() == null) {
        metrics = candidate.metrics();
      } else {
        Evaluation e = evaluations.get(c.evaluator());
        if (e == null) {
          checks.add(
              new GateDecision.Check(
                  name,
                  GateDecision.Outcome.PENDING,
                  "evaluation " + c.evaluator() + " has not landed"));
          continue;
        }
        metrics = e.metrics();
      }
      Double value = metrics.get(c.metric());
      if (value == null) {
        checks.add(
            new GateDecision.Check(
                name,
                GateDecision.Outcome.FAILED,
                c.metric()
                    + " is missing from "
                    + (c.evaluator() == null ? "metrics.json" : "evaluation " + c.evaluator())));
      } else if (c.direction().meets(value, c.threshold())) {
        checks.add(
            new GateDecision.Check(
                name,
                GateDecision.Outcome.PASSED,
                c.label() + " is " + number(value) + ", meets " + number(c.threshold())));
      } else {
        checks.add(
            new GateDecision.Check(
                name,
                GateDecision.Outcome.FAILED,
                c.label()
                    + " is "
                    + number(value)
                    + ", "
                    + (c.direction() == Direction.HIGHER ? "below" : "above")
                    + " the threshold "
                    + number(c.threshold())));
      }
    }
    for (String required : policy.requiredEvaluations()) {
      String name = "evaluation " + required;
      Evaluation e = evaluations.get(required);
      checks.add(
          e == null
              ? new GateDecision.Check(
                  name, GateDecision.Outcome.PENDING, "evaluation " + required + " has not landed")
              : new GateDecision.Check(
                  name,
                  GateDecision.Outcome.PASSED,
                  "landed from run " + e.runId() + " (" + e.id() + ")"));
    }
    if (policy.champion() != null) {
      checks.add(compare(policy.champion(), candidate, champion));
    }
    GateDecision.Outcome outcome = GateDecision.Outcome.PASSED;
    if (checks.stream().anyMatch(c -> c.result() == GateDecision.Outcome.FAILED)) {
      outcome = GateDecision.Outcome.FAILED;
    } else if (checks.stream().anyMatch(c -> c.result() == GateDecision.Outcome.PENDING)) {
      outcome = GateDecision.Outcome.PENDING;
    }
    return new GateDecision(outcome, checks, trigger, now);
  }

  private static GateDecision.Check compare(
      Policy.ChampionComparison rule, ModelVersion candidate, ModelVersion champion) {
    String name =
        rule.metric()
            + " beats "
            + rule.alias()
            + " by "
            + percent(rule.minRelativeImprovement())
            + (rule.minAbsoluteImprovement() > 0
                ? " and " + number(rule.minAbsoluteImprovement())
                : "");
    if (champion == null) {
      return new GateDecision.Check(
          name, GateDecision.Outcome.PASSED, "no champion yet (" + rule.alias() + " is unset)");
    }
    if (champion.number() == candidate.number()) {
      return new GateDecision.Check(
          name, GateDecision.Outcome.PASSED, candidate.name() + " is the " + rule.alias());
    }
    Double mine = candidate.metrics().get(rule.metric());
    Double theirs = champion.metrics().get(rule.metric());
    if (mine == null || theirs == null) {
      return new GateDecision.Check(
          name,
          GateDecision.Outcome.FAILED,
          rule.metric()
              + " is missing from "
              + (mine == null ? candidate.name() : rule.alias() + " " + champion.name()));
    }
    double absolute = rule.direction() == Direction.HIGHER ? mine - theirs : theirs - mine;
    double relative;
    if (theirs != 0) {
      relative = absolute / Math.abs(theirs);
    } else {
      relative = absolute > 0 ? Double.POSITIVE_INFINITY : absolute < 0 ? -1 : 0;
    }
    boolean passed =
        absolute > 0
            && relative >= rule.minRelativeImprovement()
            && absolute >= rule.minAbsoluteImprovement();
    String detail =
        rule.metric()
            + " "
            + number(mine)
            + " vs "
            + rule.alias()
            + " "
            + champion.name()
            + " "
            + number(theirs)
            + ": "
            + (Double.isInfinite(relative) ? "better" : signedPercent(relative))
            + (passed ? "" : ", needs more than " + percent(rule.minRelativeImprovement()));
    return new GateDecision.Check(
        name, passed ? GateDecision.Outcome.PASSED : GateDecision.Outcome.FAILED, detail);
  }

  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.6g", v).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  private static String percent(double fraction) {
    return number(fraction * 100) + " %";
  }

  private static String signedPercent(double fraction) {
    return (fraction >= 0 ? "+" : "") + String.format(Locale.ROOT, "%.2f", fraction * 100) + " %";
  }
}
