package dev.mlcp.training.runs;

import dev.mlcp.events.Machine;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.events.RunSpec;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import dev.mlcp.training.inputs.ResolvedInput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A training run and the rules of its life. Every transition is a method returning the next run
 * (with the events it causes in its outbox) or this very instance when the transition does not
 * apply, so the caller's compare-and-set writes nothing and does nothing. The service orchestrates
 * (VMs, publishing); the rules live here.
 *
 * @param id {@code run-<ulid>}, lowercase so it is a valid instance name
 * @param owner email of the person or service account the run belongs to, lower-case
 * @param origin how it was requested
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
 * @param outputUri where the agent uploads outputs, derived at submit ({@code gs://…/<run>/})
 * @param artifactUri the staged outputs of a successful run (= outputUri), else null
 * @param resourceUse what the container consumed
 * @param costEstimateUsd estimated compute cost of all attempts
 * @param requestKey the idempotency key it was created with, if any
 * @param requestHash SHA-256 of the request it was created from, to refuse a reused key
 * @param parentRunId the run whose success started this one, if any
 * @param history every transition, oldest first
 * @param handledEvents ids of the completion events already applied (duplicates are no-ops)
 * @param missingSince when the reconciler first found the run's VM missing; null while it exists
 * @param followUpsPending whether follow-up runs of a success still have to be submitted
 * @param outbox events caused by transitions, not yet published
 * @param inputPlan the run's inputs as resolved at submit, which the agent materializes (empty for
 *     runs without inputs and runs stored before inputs were resolved)
 */
public record Run(
    String id,
    String owner,
    RunOrigin origin,
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
    String outputUri,
    String artifactUri,
    ResourceUse resourceUse,
    double costEstimateUsd,
    String requestKey,
    String requestHash,
    String parentRunId,
    List<Transition> history,
    List<String> handledEvents,
    Instant missingSince,
    boolean followUpsPending,
    Outbox outbox,
    List<ResolvedInput> inputPlan)
    implements Document<Run> {

  /** How many handled event ids a run remembers; far more than Pub/Sub redelivers. */
  static final int HANDLED_EVENTS_KEPT = 50;

  public Run {
    history = history == null ? List.of() : List.copyOf(history);
    handledEvents = handledEvents == null ? List.of() : List.copyOf(handledEvents);
    outbox = outbox == null ? Outbox.empty() : outbox;
    inputPlan = inputPlan == null ? List.of() : List.copyOf(inputPlan);
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

  /** Why a completion report is or is not applied to this run. */
  public enum Verdict {
    /** The report ends the current attempt. */
    APPLY,
    /** This report was applied already. */
    DUPLICATE,
    /** The run already ended. */
    ENDED,
    /** The report is about an earlier attempt (its VM is not the current one). */
    EARLIER_ATTEMPT,
    /** The report names an attempt or instance the run never had: not believed. */
    MISMATCH
  }

  /** A new QUEUED run. */
  public static Run queued(
      String id,
      String owner,
      RunOrigin origin,
      RunSpec spec,
      String outputUri,
      Instant now,
      Instant deadline,
      String requestKey,
      String requestHash,
      String parentRunId) {
    return new Run(
        id,
        owner,
        origin,
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
        outputUri,
        null,
        null,
        0,
        requestKey,
        requestHash,
        parentRunId,
        List.of(new Transition(RunState.QUEUED, now, 1, null)),
        List.of(),
        null,
        false,
        Outbox.empty(),
        List.of());
  }

  /** This run with its inputs' plan, as resolved at submit (before it is first stored). */
  public Run withInputPlan(List<ResolvedInput> plan) {
    Builder b = toBuilder();
    b.inputPlan = plan;
    return b.build();
  }

  @Override
  public Run withOutbox(Outbox next) {
    Builder b = toBuilder();
    b.outbox = next;
    return b.build();
  }

  /** The instance name of {@code attempt}: the run id, with {@code -aN} from the second on. */
  public String instanceNameFor(int n) {
    return n <= 1 ? id : id + "-a" + n;
  }

  /** Whether the completion event {@code eventId} was already applied. */
  public boolean handled(String eventId) {
    return handledEvents.contains(eventId);
  }

  // ---- transitions ------------------------------------------------------------------------

  /** QUEUED or RETRYING → PROVISIONING: the caller whose write wins creates the VM. */
  public Run claim(Instant now) {
    if (state != RunState.QUEUED && state != RunState.RETRYING) {
      return this;
    }
    Builder b = toBuilder();
    b.instance = instanceNameFor(attempt);
    b.zone = null;
    b.missingSince = null;
    return b.build().moveTo(RunState.PROVISIONING, now, null);
  }

  /**
   * PROVISIONING → RUNNING: the VM of attempt {@code n} exists in {@code vmZone}. Also adopts a VM
   * whose creation was not confirmed (a timeout after the insert).
   */
  public Run placed(int n, String vmZone, Machine machine, Instant now) {
    if (state != RunState.PROVISIONING || attempt != n) {
      return this;
    }
    Builder b = toBuilder();
    b.zone = vmZone;
    b.startedAt = now;
    b.missingSince = null;
    Run running = b.build().moveTo(RunState.RUNNING, now, null);
    return running
        .emit(new RunEvent.Provisioning(id, owner, n, instance, vmZone, machine), now)
        .emit(new RunEvent.Running(id, owner, n, instance, vmZone, now), now);
  }

  /** Ends the run as FAILED with {@code why} unless it already ended. */
  public Run fail(Integer code, String why, Instant now) {
    if (state.terminal()) {
      return this;
    }
    Builder b = toBuilder();
    b.exitCode = code == null ? exitCode : code;
    return b.build()
        .moveTo(RunState.FAILED, now, why)
        .emit(new RunEvent.Failed(id, owner, attempt, code, why), now);
  }

  /** Ends the run as CANCELLED unless it already ended. */
  public Run cancel(String by, Instant now) {
    if (state.terminal()) {
      return this;
    }
    return moveTo(RunState.CANCELLED, now, "cancelled by " + by)
        .emit(new RunEvent.Cancelled(id, owner, attempt, by), now);
  }

  /** Whether {@code report} may end this run, and why not. */
  public Verdict judge(CompletionReport report) {
    if (handled(report.eventId())) {
      return Verdict.DUPLICATE;
    }
    if (state.terminal()) {
      return Verdict.ENDED;
    }
    if (report.attempt() < attempt) {
      return Verdict.EARLIER_ATTEMPT;
    }
    if (report.attempt() != attempt
        || instance == null
        || !instance.equals(report.instance())
        || (zone != null && report.zone() != null && !zone.equals(report.zone()))) {
      return Verdict.MISMATCH;
    }
    return Verdict.APPLY;
  }

  /**
   * The current attempt's agent reported its end: SUCCEEDED when the container exited 0 and its
   * outputs were uploaded, else FAILED. The output location is this run's own, never the report's.
   *
   * @param attemptCostUsd the estimated cost of this attempt
   * @param machine the hardware, for the event
   */
  public Run complete(
      CompletionReport report, double attemptCostUsd, Machine machine, Instant now) {
    if (judge(report) != Verdict.APPLY) {
      return this;
    }
    List<String> handled = new ArrayList<>(handledEvents);
    handled.add(report.eventId());
    if (handled.size() > HANDLED_EVENTS_KEPT) {
      handled = handled.subList(handled.size() - HANDLED_EVENTS_KEPT, handled.size());
    }
    Builder b = toBuilder();
    b.handledEvents = handled;
    b.exitCode = report.exitCode();
    b.resourceUse = report.resourceUse();
    b.costEstimateUsd = costEstimateUsd + attemptCostUsd;
    if (report.startedAt() != null) {
      b.startedAt = report.startedAt();
    }
    if (!report.succeeded()) {
      String why =
          report.reason() != null
              ? report.reason()
              : "container exited with status " + report.exitCode();
      return b.build()
          .moveTo(RunState.FAILED, now, why)
          .emit(new RunEvent.Failed(id, owner, attempt, report.exitCode(), why), now);
    }
    b.artifactUri = outputUri;
    b.followUpsPending = !spec.next().isEmpty();
    Run done = b.build().moveTo(RunState.SUCCEEDED, now, null);
    return done.emit(
        new RunEvent.Succeeded(
            id,
            owner,
            attempt,
            spec.name(),
            spec.image(),
            outputUri,
            machine,
            done.resourceUse(),
            done.costEstimateUsd(),
            done.startedAt(),
            done.finishedAt(),
            spec.labels(),
            provenance()),
        now);
  }

  /**
   * The current attempt's VM was preempted (or vanished): retry per {@code policy} while attempts
   * remain, else fail. {@code vm} null means "whatever the current VM is".
   *
   * @param nextDeadline the retry's fresh time budget
   */
  public Run preempt(
      String vm,
      String why,
      PreemptionPolicy policy,
      int maxAttempts,
      Instant nextDeadline,
      Instant now) {
    boolean current = vm == null || vm.equals(instance);
    if (!current || (state != RunState.RUNNING && state != RunState.PROVISIONING)) {
      return this;
    }
    Run preempted =
        moveTo(RunState.PREEMPTED, now, why)
            .emit(new RunEvent.Preempted(id, owner, attempt, instance, String.valueOf(zone)), now);
    if (policy == PreemptionPolicy.FAIL || attempt >= maxAttempts) {
      String reason =
          policy == PreemptionPolicy.FAIL
              ? why + "; the run's policy is not to retry"
              : why + "; gave up after " + attempt + " attempts";
      return preempted
          .moveTo(RunState.FAILED, now, reason)
          .emit(new RunEvent.Failed(id, owner, attempt, null, reason), now);
    }
    boolean onSpot = policy == PreemptionPolicy.RETRY;
    Builder b = preempted.toBuilder();
    b.attempt = attempt + 1;
    b.spot = onSpot;
    b.instance = null;
    b.zone = null;
    b.startedAt = null;
    b.missingSince = null;
    b.deadline = nextDeadline;
    String detail = why + "; retrying " + (onSpot ? "on Spot" : "on demand");
    Run retrying = b.build().moveTo(RunState.RETRYING, now, detail);
    return retrying.emit(new RunEvent.Retrying(id, owner, retrying.attempt(), why, onSpot), now);
  }

  /** The reconciler found the run's VM missing at {@code now} (kept from the first sighting). */
  public Run noticeMissing(Instant now) {
    if (missingSince != null || state.terminal()) {
      return this;
    }
    Builder b = toBuilder();
    b.missingSince = now;
    return b.build();
  }

  /** The run's VM is there (again). */
  public Run present() {
    if (missingSince == null) {
      return this;
    }
    Builder b = toBuilder();
    b.missingSince = null;
    return b.build();
  }

  /** The follow-up runs of this success have all been submitted. */
  public Run followUpsStarted() {
    if (!followUpsPending) {
      return this;
    }
    Builder b = toBuilder();
    b.followUpsPending = false;
    return b.build();
  }

  /** How this run was requested and what it read. */
  public RunProvenance provenance() {
    return new RunProvenance(
        origin == null ? null : origin.via().wireName(),
        origin == null ? null : origin.by(),
        parentRunId,
        spec.inputs(),
        spec.command(),
        spec.args(),
        List.copyOf(spec.env().keySet()),
        spec.secrets(),
        zone);
  }

  private Run emit(MlcpEvent event, Instant at) {
    return withOutbox(outbox.add(id, event, at));
  }

  private Run moveTo(RunState next, Instant now, String detail) {
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

  private Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.owner = owner;
    b.origin = origin;
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
    b.outputUri = outputUri;
    b.artifactUri = artifactUri;
    b.resourceUse = resourceUse;
    b.costEstimateUsd = costEstimateUsd;
    b.requestKey = requestKey;
    b.requestHash = requestHash;
    b.parentRunId = parentRunId;
    b.history = history;
    b.handledEvents = handledEvents;
    b.missingSince = missingSince;
    b.followUpsPending = followUpsPending;
    b.outbox = outbox;
    b.inputPlan = inputPlan;
    return b;
  }

  /** A copy of a run with some fields changed; the single place the long constructor is called. */
  private static final class Builder {
    private String id;
    private String owner;
    private RunOrigin origin;
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
    private String outputUri;
    private String artifactUri;
    private ResourceUse resourceUse;
    private double costEstimateUsd;
    private String requestKey;
    private String requestHash;
    private String parentRunId;
    private List<Transition> history;
    private List<String> handledEvents;
    private Instant missingSince;
    private boolean followUpsPending;
    private Outbox outbox;
    private List<ResolvedInput> inputPlan;

    Run build() {
      return new Run(
          id,
          owner,
          origin,
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
          outputUri,
          artifactUri,
          resourceUse,
          costEstimateUsd,
          requestKey,
          requestHash,
          parentRunId,
          history,
          handledEvents,
          missingSince,
          followUpsPending,
          outbox,
          inputPlan);
    }
  }
}
