package dev.mlcp.training.runs;

import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A training run as stored (JSON in the ObjectStore, one object per run, updated with generation
 * preconditions so two replicas cannot both win a transition).
 *
 * @param id {@code run-<ulid>}, lowercase so it is a valid instance name
 * @param owner email of the person or service account the run belongs to
 * @param spec what to run
 * @param state where the run is
 * @param attempt the current attempt, 1-based; a preemption retry adds one
 * @param spot whether the current attempt runs on Spot
 * @param instance the current attempt's instance name, null before provisioning
 * @param zone the current attempt's zone
 * @param createdAt when the run was accepted
 * @param updatedAt last change
 * @param startedAt when the VM of the current attempt started
 * @param finishedAt when the run ended
 * @param deadline after this the run is overdue and the reconciler deletes its VM
 * @param exitCode the container's exit code, when it ran
 * @param reason why the run failed, was cancelled or retried
 * @param artifactUri the staged outputs, {@code gs://…/staging/<run>/}
 * @param resourceUse what the container consumed
 * @param costEstimateUsd estimated compute cost of all attempts
 * @param requestKey the idempotency key it was created with, if any
 * @param parentRunId the run whose success started this one, if any
 * @param history every transition, oldest first
 * @param handledEvents ids of the completion events already applied (duplicates are no-ops)
 * @param missingSince when the reconciler first found the run's VM missing; null while it exists
 */
public record Run(
    String id,
    String owner,
    RunSpec spec,
    RunState state,
    int attempt,
    boolean spot,
    String instance,
    String zone,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt,
    Instant deadline,
    Integer exitCode,
    String reason,
    String artifactUri,
    ResourceUse resourceUse,
    double costEstimateUsd,
    String requestKey,
    String parentRunId,
    List<Transition> history,
    List<String> handledEvents,
    Instant missingSince) {

  /** How many handled event ids a run remembers; far more than Pub/Sub redelivers. */
  static final int HANDLED_EVENTS_KEPT = 50;

  public Run {
    history = history == null ? List.of() : List.copyOf(history);
    handledEvents = handledEvents == null ? List.of() : List.copyOf(handledEvents);
  }

  /**
   * One state change.
   *
   * @param state the new state
   * @param at when
   * @param attempt the attempt it belongs to
   * @param detail why, in words (may be null)
   */
  public record Transition(RunState state, Instant at, int attempt, String detail) {}

  /** A new QUEUED run. */
  public static Run queued(
      String id,
      String owner,
      RunSpec spec,
      Instant now,
      Instant deadline,
      String requestKey,
      String parentRunId) {
    return new Run(
        id,
        owner,
        spec,
        RunState.QUEUED,
        1,
        spec.spot(),
        null,
        null,
        now,
        now,
        null,
        null,
        deadline,
        null,
        null,
        null,
        null,
        0,
        requestKey,
        parentRunId,
        List.of(new Transition(RunState.QUEUED, now, 1, null)),
        List.of(),
        null);
  }

  /** The instance name of {@code attempt}: the run id, with {@code -aN} from the second on. */
  public String instanceNameFor(int attempt) {
    return attempt <= 1 ? id : id + "-a" + attempt;
  }

  /** Whether the completion event {@code eventId} was already applied. */
  public boolean handled(String eventId) {
    return handledEvents.contains(eventId);
  }

  /**
   * This run moved to {@code next}.
   *
   * @throws IllegalStateException if the state machine does not allow it
   */
  public Run moveTo(RunState next, Instant now, String detail) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException("run " + id + " cannot move from " + state + " to " + next);
    }
    List<Transition> h = new ArrayList<>(history);
    h.add(new Transition(next, now, attempt, detail));
    Builder b = toBuilder();
    b.state = next;
    b.updatedAt = now;
    b.history = h;
    if (next.terminal()) {
      b.finishedAt = now;
      b.missingSince = null;
    }
    if (detail != null && next != RunState.RUNNING && next != RunState.PROVISIONING) {
      b.reason = detail;
    }
    return b.build();
  }

  /** The run with its current attempt placed on {@code instance} in {@code zone}. */
  public Run placed(String instance, String zone) {
    Builder b = toBuilder();
    b.instance = instance;
    b.zone = zone;
    b.missingSince = null;
    return b.build();
  }

  /** The run's VM started at {@code at}. */
  public Run started(Instant at) {
    Builder b = toBuilder();
    b.startedAt = at;
    return b.build();
  }

  /** The outcome reported by the VM agent; {@code eventId} is remembered as handled. */
  public Run completed(
      String eventId,
      int exitCode,
      String artifactUri,
      ResourceUse use,
      double costEstimateUsd,
      Instant startedAt) {
    List<String> handled = new ArrayList<>(handledEvents);
    handled.add(eventId);
    if (handled.size() > HANDLED_EVENTS_KEPT) {
      handled = handled.subList(handled.size() - HANDLED_EVENTS_KEPT, handled.size());
    }
    Builder b = toBuilder();
    b.handledEvents = handled;
    b.exitCode = exitCode;
    b.artifactUri = artifactUri;
    b.resourceUse = use;
    b.costEstimateUsd = costEstimateUsd;
    if (startedAt != null) {
      b.startedAt = startedAt;
    }
    return b.build();
  }

  /** The next attempt, after a preemption: new instance name, zones reset, optionally on-demand. */
  public Run nextAttempt(boolean onSpot) {
    Builder b = toBuilder();
    b.attempt = attempt + 1;
    b.spot = onSpot;
    b.instance = null;
    b.zone = null;
    b.startedAt = null;
    b.missingSince = null;
    return b.build();
  }

  /** The run with its VM noticed missing at {@code at} (null: present again). */
  public Run withMissingSince(Instant at) {
    Builder b = toBuilder();
    b.missingSince = at;
    return b.build();
  }

  /** The run with its deadline moved (a retry gets a fresh time budget). */
  public Run withDeadline(Instant newDeadline) {
    Builder b = toBuilder();
    b.deadline = newDeadline;
    return b.build();
  }

  private Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.owner = owner;
    b.spec = spec;
    b.state = state;
    b.attempt = attempt;
    b.spot = spot;
    b.instance = instance;
    b.zone = zone;
    b.createdAt = createdAt;
    b.updatedAt = updatedAt;
    b.startedAt = startedAt;
    b.finishedAt = finishedAt;
    b.deadline = deadline;
    b.exitCode = exitCode;
    b.reason = reason;
    b.artifactUri = artifactUri;
    b.resourceUse = resourceUse;
    b.costEstimateUsd = costEstimateUsd;
    b.requestKey = requestKey;
    b.parentRunId = parentRunId;
    b.history = history;
    b.handledEvents = handledEvents;
    b.missingSince = missingSince;
    return b;
  }

  /** A copy of a run with some fields changed; the single place the long constructor is called. */
  private static final class Builder {
    private String id;
    private String owner;
    private RunSpec spec;
    private RunState state;
    private int attempt;
    private boolean spot;
    private String instance;
    private String zone;
    private Instant createdAt;
    private Instant updatedAt;
    private Instant startedAt;
    private Instant finishedAt;
    private Instant deadline;
    private Integer exitCode;
    private String reason;
    private String artifactUri;
    private ResourceUse resourceUse;
    private double costEstimateUsd;
    private String requestKey;
    private String parentRunId;
    private List<Transition> history;
    private List<String> handledEvents;
    private Instant missingSince;

    Run build() {
      return new Run(
          id,
          owner,
          spec,
          state,
          attempt,
          spot,
          instance,
          zone,
          createdAt,
          updatedAt,
          startedAt,
          finishedAt,
          deadline,
          exitCode,
          reason,
          artifactUri,
          resourceUse,
          costEstimateUsd,
          requestKey,
          parentRunId,
          history,
          handledEvents,
          missingSince);
    }
  }
}
