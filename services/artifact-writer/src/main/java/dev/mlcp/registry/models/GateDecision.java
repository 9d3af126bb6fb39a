package dev.mlcp.registry.models;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the gate decided about a version, with every check in words.
 *
 * @param outcome passed, failed, or waiting for evaluations
 * @param checks each check with its result
 * @param trigger what ran the gate: {@code registration} or {@code evaluation <id>}
 * @param at when
 */
public record GateDecision(Outcome outcome, List<Check> checks, String trigger, Instant at) {
  public GateDecision {
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  /** The gate's verdicts. */
  public enum Outcome {
    /** Every check passed: the policy's aliases move to the version. */
    PASSED,
    /** At least one check failed: {@code model.rejected} with each failed check. */
    FAILED,
    /** No check failed, but evaluations the policy needs have not landed yet. */
    PENDING
  }

  /**
   * One check.
   *
   * @param name what was checked, e.g. {@code accuracy >= 0.8}
   * @param result passed, failed or pending
   * @param detail the values, in words
   */
  public record Check(String name, Outcome result, String detail) {}

  /** The failed checks, in words. */
  public List<String> failedChecks() {
    return checks.stream()
        .filter(c -> c.result() == Outcome.FAILED)
        .map(c -> c.name() + ": " + c.detail())
        .toList();
  }

  /** Whether {@code other} says the same (ignoring when and why it ran). */
  public boolean sameAs(GateDecision other) {
    return other != null && outcome == other.outcome && Objects.equals(checks, other.checks);
  }
}
