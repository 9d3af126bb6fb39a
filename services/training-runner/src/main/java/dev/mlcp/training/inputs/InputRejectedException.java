package dev.mlcp.training.inputs;

import dev.mlcp.training.runs.InvalidRunSpecException;
import dev.mlcp.training.runs.SpecViolation;
import java.util.List;

/**
 * An input cannot be used, found at submit: the URI or query is wrong (400), the caller may not
 * read it (403), or what it names does not exist (422). A subclass of {@link
 * InvalidRunSpecException}, so every path that refuses bad specs (Pub/Sub requests: dead-lettered
 * with the reason) refuses these too.
 */
public class InputRejectedException extends InvalidRunSpecException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** The URI or query is not acceptable. */
    INVALID,
    /** The run's owner may not read it. */
    FORBIDDEN,
    /** The model, alias, table or database does not exist. */
    NOT_FOUND
  }

  private final Reason reason;

  public InputRejectedException(Reason reason, String field, String message) {
    super(List.of(new SpecViolation(field, message)));
    this.reason = reason;
  }

  /** Why the input was refused. */
  public Reason reason() {
    return reason;
  }

  /** The spec field, e.g. {@code spec.inputs[2]}. */
  public String field() {
    return violations().get(0).field();
  }

  /** What is wrong. */
  public String detail() {
    return violations().get(0).message();
  }
}
