package dev.mlcp.experiments.notebooks;

import java.time.Duration;

/**
 * A request asks for more than an admin cap allows (TTL, idle timeout, accelerators, disk): 400
 * naming the field, the cap's key and its value, so the user knows what they may ask for.
 */
public class CapExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String capKey;

  public CapExceededException(String field, String capKey, Object cap, String detail) {
    super(detail + " (admin cap " + capKey + " = " + text(cap) + ")");
    this.field = field;
    this.capKey = capKey;
  }

  /** The request field at fault. */
  public String field() {
    return field;
  }

  /** The configuration key of the cap. */
  public String capKey() {
    return capKey;
  }

  private static String text(Object cap) {
    return cap instanceof Duration d ? d.toString() : String.valueOf(cap);
  }
}
