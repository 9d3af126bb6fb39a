package dev.mlcp.training.runs;

/**
 * How a run was requested, kept apart from its owner: the registry registers only runs requested
 * through the CI/CD path, and an audit reads who asked.
 *
 * @param via the channel
 * @param by the REST caller's email, the Pub/Sub request's {@code ce-source}, the schedule's name,
 *     or the parent run's id
 */
public record RunOrigin(Via via, String by) {
  /** The channel a run request came through. */
  public enum Via {
    /** {@code POST /v1/runs}. */
    API,
    /** {@code training-requests} on Pub/Sub (Cloud Build, Cloud Scheduler). */
    PUBSUB,
    /** A stored schedule fired. */
    SCHEDULE,
    /** A parent run succeeded and its spec named follow-ups. */
    FOLLOW_UP;

    /** The wire name, as in {@code RunProvenance.requestedVia}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public static RunOrigin api(String caller) {
    return new RunOrigin(Via.API, caller);
  }

  public static RunOrigin pubsub(String source) {
    return new RunOrigin(Via.PUBSUB, source);
  }

  public static RunOrigin schedule(String name) {
    return new RunOrigin(Via.SCHEDULE, name);
  }

  public static RunOrigin followUp(String parentRunId) {
    return new RunOrigin(Via.FOLLOW_UP, parentRunId);
  }
}
