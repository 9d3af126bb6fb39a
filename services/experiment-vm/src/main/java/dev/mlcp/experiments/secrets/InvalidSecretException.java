package dev.mlcp.experiments.secrets;

/** A secret request breaks a rule (name, labels, readers, value size): 400 naming the field. */
public class InvalidSecretException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidSecretException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault. */
  public String field() {
    return field;
  }
}
