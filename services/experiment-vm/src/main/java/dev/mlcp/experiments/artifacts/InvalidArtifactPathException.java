package dev.mlcp.experiments.artifacts;

/** An artifact path or prefix that is not a plain path under the artifacts root: 400. */
public class InvalidArtifactPathException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidArtifactPathException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault. */
  public String field() {
    return field;
  }
}
