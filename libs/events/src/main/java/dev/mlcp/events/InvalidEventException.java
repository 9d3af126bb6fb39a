package dev.mlcp.events;

/** A field of an event is missing or invalid. Thrown by event constructors and the codec. */
public class InvalidEventException extends EventDecodingException {
  private final String field;

  public InvalidEventException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public InvalidEventException(String field, String message, Throwable cause) {
    super(field + ": " + message, cause);
    this.field = field;
  }

  /** The attribute or JSON field (dotted path) that is missing or invalid. */
  public String field() {
    return field;
  }
}
