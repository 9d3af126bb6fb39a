package dev.mlcp.messaging;

/**
 * Thrown by a typed handler for an event that will never be accepted, however often it is
 * redelivered (a run request breaking the rules, a publisher not allowed to ask for it): the
 * connector publishes it at once to the topic's dead-letter topic with this message as the {@code
 * mlcp-dead-letter-reason} attribute and acks it, instead of redelivering it five times first. Any
 * other exception nacks: Pub/Sub redelivers.
 */
public class RejectedEventException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RejectedEventException(String reason) {
    super(reason);
  }

  public RejectedEventException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
