package dev.mlcp.events;

/** The {@code ce-type} attribute names no event type this version of mlcp knows. */
public class UnknownEventTypeException extends EventDecodingException {
  private final String type;

  public UnknownEventTypeException(String type) {
    super("unknown ce-type '" + type + "'; known types: " + EventType.knownTypes());
    this.type = type;
  }

  /** The unknown type as received. */
  public String type() {
    return type;
  }
}
