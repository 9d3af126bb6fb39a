package dev.mlcp.experiments.data;

/** A query or browse request that cannot run as asked: 400 naming the field. */
public class InvalidQueryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidQueryException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault. */
  public String field() {
    return field;
  }
}
