package dev.mlcp.training.runs;

/** A per-owner limit (concurrent runs, accelerators) would be exceeded by a new run: 429. */
public class OwnerLimitExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OwnerLimitExceededException(
      String owner, String limit, long max, long current, long asked) {
    super(
        owner
            + " has "
            + current
            + " "
            + limit
            + " in use; the limit is "
            + max
            + " (mlcp.training.limits), and this run needs "
            + asked
            + " more. Wait for a run to end or cancel one.");
  }
}
