package dev.mlcp.training.runs;

/**
 * An idempotency key was used before for a different request (the Stripe convention: 422), so
 * answering with the first run would hide that the second request was not carried out.
 */
public class IdempotencyKeyReusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String runId;

  public IdempotencyKeyReusedException(String key, String runId) {
    super(
        "Idempotency-Key '"
            + key
            + "' was already used for a different request (run "
            + runId
            + "); use a new key for a new request");
    this.key = key;
    this.runId = runId;
  }

  /** The reused key. */
  public String key() {
    return key;
  }

  /** The run the key belongs to. */
  public String runId() {
    return runId;
  }
}
