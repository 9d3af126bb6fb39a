package dev.mlcp.registry.models;

import java.util.List;

/**
 * What the registry refuses, as the domain says it; the REST layer maps each kind to its status
 * (404, 403, 409, 400). Messages are shown to callers: they say what to do and hold no secret.
 */
public abstract sealed class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private RegistryException(String message) {
    super(message);
  }

  /** A model, version, alias, evaluation or registration that does not exist. */
  public static final class NotFound extends RegistryException {
    private static final long serialVersionUID = 1L;

    public NotFound(String message) {
      super(message);
    }
  }

  /** The caller may not do this (a protected alias, another owner's model). */
  public static final class Refused extends RegistryException {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message);
    }
  }

  /** The request conflicts with the registry's state (a version not registered, a name taken). */
  public static final class Conflict extends RegistryException {
    private static final long serialVersionUID = 1L;

    public Conflict(String message) {
      super(message);
    }
  }

  /** A request breaks rules; each violation names its field. */
  public static final class Invalid extends RegistryException {
    private static final long serialVersionUID = 1L;
    private final List<Violation> violations;

    public Invalid(List<Violation> violations) {
      super(
          String.join("; ", violations.stream().map(v -> v.field() + ": " + v.message()).toList()));
      this.violations = List.copyOf(violations);
    }

    public Invalid(String field, String message) {
      this(List.of(new Violation(field, message)));
    }

    /** Every broken rule. */
    public List<Violation> violations() {
      return violations;
    }
  }

  /**
   * One broken rule of a request.
   *
   * @param field JSON path of the field, e.g. {@code checks[0].threshold}
   * @param message what is wrong and what is allowed
   */
  public record Violation(String field, String message) {}
}
