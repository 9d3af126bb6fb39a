package dev.mlcp.training.logs;

/** A new log follow would exceed a cap on open follows: 429. */
public class FollowLimitExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Which cap. */
  public enum Limit {
    /** Follows one user may have open on this instance. */
    PER_USER,
    /** Follows this instance serves in all. */
    PER_INSTANCE
  }

  private final Limit limit;
  private final String user;
  private final int max;
  private final int current;

  /**
   * @param limit the cap that was reached
   * @param user who asked
   * @param max the cap
   * @param current follows open under that cap now
   */
  public FollowLimitExceededException(Limit limit, String user, int max, int current) {
    super(
        (limit == Limit.PER_USER
                ? user + " has " + current + " log follows open on this instance"
                : "this instance serves " + current + " log follows")
            + "; the limit is "
            + max);
    this.limit = limit;
    this.user = user;
    this.max = max;
    this.current = current;
  }

  /** The cap that was reached. */
  public Limit limit() {
    return limit;
  }

  /** Who asked. */
  public String user() {
    return user;
  }

  /** The cap. */
  public int max() {
    return max;
  }

  /** Follows open under that cap when the follow was refused. */
  public int current() {
    return current;
  }
}
