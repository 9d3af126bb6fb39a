package dev.mlcp.state;

/** A page token this service did not issue for this listing (tampered, stale or foreign). */
public class InvalidPageTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidPageTokenException(String message) {
    super(message);
  }
}
