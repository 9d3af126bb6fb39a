package dev.mlcp.training.runs;

import java.util.List;

/** A run spec broke one or more rules; each violation names its field. */
public class InvalidRunSpecException extends RuntimeException {
  private final List<SpecViolation> violations;

  public InvalidRunSpecException(List<SpecViolation> violations) {
    super(
        violations.size()
            + " invalid field(s): "
            + String.join(
                "; ", violations.stream().map(v -> v.field() + " " + v.message()).toList()));
    this.violations = List.copyOf(violations);
  }

  /** Every broken rule. */
  public List<SpecViolation> violations() {
    return violations;
  }
}
