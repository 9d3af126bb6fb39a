package dev.mlcp.experiments.notebooks;

/** A request breaks a rule Bean Validation cannot express (zones, shapes): 400 naming the field. */
public class InvalidExperimentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidExperimentException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault. */
  public String field() {
    return field;
  }
}
