package dev.mlcp.events;

/**
 * A message could not be turned into an event. The two kinds are distinct so a consumer can tell a
 * broken message ({@link InvalidEventException}) from one it does not know ({@link
 * UnknownEventTypeException}).
 */
public abstract class EventDecodingException extends RuntimeException {
  protected EventDecodingException(String message) {
    super(message);
  }

  protected EventDecodingException(String message, Throwable cause) {
    super(message, cause);
  }
}
