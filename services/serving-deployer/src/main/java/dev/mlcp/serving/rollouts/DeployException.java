package dev.mlcp.serving.rollouts;

/** A deploy operation that cannot be done as asked; the message says what to do. */
public final class DeployException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Kind {
    /** The request is wrong ({@link #field()} names what). */
    INVALID,
    /** The service, revision or rollout does not exist. */
    NOT_FOUND,
    /** The state does not allow it now (a rollout holds the service, a revision serves). */
    CONFLICT
  }

  private final Kind kind;
  private final String field;

  public DeployException(Kind kind, String field, String message) {
    super(message);
    this.kind = kind;
    this.field = field;
  }

  /** A bad request naming the field. */
  public static DeployException invalid(String field, String message) {
    return new DeployException(Kind.INVALID, field, message);
  }

  /** Something does not exist. */
  public static DeployException notFound(String message) {
    return new DeployException(Kind.NOT_FOUND, null, message);
  }

  /** Not now. */
  public static DeployException conflict(String message) {
    return new DeployException(Kind.CONFLICT, null, message);
  }

  public Kind kind() {
    return kind;
  }

  /** The request field at fault, or null. */
  public String field() {
    return field;
  }
}
