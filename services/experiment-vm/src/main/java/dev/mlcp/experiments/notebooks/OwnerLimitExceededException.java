package dev.mlcp.experiments.notebooks;

/** The owner already has as many experiments as the admin cap allows: 429 naming the cap. */
public class OwnerLimitExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OwnerLimitExceededException(String owner, int live, int max) {
    super(
        owner
            + " has "
            + live
            + " experiments (provisioning, running or stopped); the limit is "
            + max
            + " (admin cap mlcp.experiments.caps.max-concurrent-per-owner). Delete one first.");
  }
}
