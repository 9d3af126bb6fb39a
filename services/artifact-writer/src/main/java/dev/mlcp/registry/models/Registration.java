package dev.mlcp.registry.models;

import dev.mlcp.events.ModelEvent;
import dev.mlcp.events.RunEvent;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registration of one successful run's outputs, keyed by the run id, so a run is registered at
 * most once however often its {@code run.succeeded} arrives. Its state machine:
 *
 * <pre>
 * RECEIVED ─▶ CLAIMED (version n taken) ─▶ COPIED (files + manifest) ─▶ RECORDED (version and
 *    │            │                           warehouse rows durable) ─▶ DONE (gate ran, staging
 *    └────────────┴──▶ REJECTED (with the reason; staging kept)            deleted)
 * </pre>
 *
 * Work on a registration is done under a lease (holder, expiry) taken by compare-and-set, so of the
 * duplicates and replicas that receive the event one works and the others return; a worker that
 * died leaves a lease that expires, and the reconciler resumes from the state reached.
 *
 * @param id the run id
 * @param model the model (the run's name)
 * @param owner the run's owner
 * @param run the event as received
 * @param state where it is
 * @param claiming the first version number tried: every worker starts there, so all of them settle
 *     on the same number
 * @param version the claimed version, 0 before
 * @param manifestSha256 the manifest's SHA-256 once written
 * @param sizeBytes total size of the copied files
 * @param fileCount how many files
 * @param metrics the run's final metrics
 * @param reason why it was rejected
 * @param failedChecks what failed, in words
 * @param leaseHolder who works on it now
 * @param leaseUntil until when
 * @param createdAt when the event first arrived
 * @param updatedAt last change
 * @param history every state change, oldest first
 * @param outbox events not yet published
 * @param rowsPending whether its warehouse rows are still to be written (by the {@link RowFlusher},
 *     off the registration's path): set in the same write as RECORDED, cleared once they are in
 */
public record Registration(
    String id,
    String model,
    String owner,
    RunEvent.Succeeded run,
    RegistrationState state,
    int claiming,
    int version,
    String manifestSha256,
    long sizeBytes,
    int fileCount,
    Map<String, Double> metrics,
    String reason,
    List<String> failedChecks,
    String leaseHolder,
    Instant leaseUntil,
    Instant createdAt,
    Instant updatedAt,
    List<Step> history,
    Outbox outbox,
    boolean rowsPending)
    implements Document<Registration> {

  public Registration {
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    failedChecks = failedChecks == null ? List.of() : List.copyOf(failedChecks);
    history = history == null ? List.of() : List.copyOf(history);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /** A registration's states, in order. */
  public enum RegistrationState {
    RECEIVED,
    CLAIMED,
    COPIED,
    RECORDED,
    DONE,
    REJECTED;

    /** Whether nothing more happens. */
    public boolean terminal() {
      return this == DONE || this == REJECTED;
    }
  }

  /**
   * One state change.
   *
   * @param state the new state
   * @param at when
   */
  public record Step(RegistrationState state, Instant at) {}

  /** A registration of {@code run}'s outputs, just received. */
  public static Registration received(RunEvent.Succeeded run, Instant now) {
    return new Registration(
        run.runId(),
        run.name(),
        run.owner(),
        run,
        RegistrationState.RECEIVED,
        0,
        0,
        null,
        0,
        0,
        Map.of(),
        null,
        List.of(),
        null,
        null,
        now,
        now,
        List.of(new Step(RegistrationState.RECEIVED, now)),
        Outbox.empty(),
        false);
  }

  @Override
  public Registration withOutbox(Outbox next) {
    Builder b = toBuilder();
    b.outbox = next;
    return b.build();
  }

  /** Whether {@code holder} holds an unexpired lease at {@code now} on an unfinished one. */
  public boolean holds(String holder, Instant now) {
    return !state.terminal()
        && holder.equals(leaseHolder)
        && leaseUntil != null
        && leaseUntil.isAfter(now);
  }

  /** Whether someone holds an unexpired lease at {@code now}. */
  public boolean leased(Instant now) {
    return leaseHolder != null && leaseUntil != null && leaseUntil.isAfter(now);
  }

  /** {@code holder} takes (or renews) the lease until {@code until}, unless another holds it. */
  public Registration lease(String holder, Instant until, Instant now) {
    if (state.terminal() || (leased(now) && !holder.equals(leaseHolder))) {
      return this;
    }
    Builder b = toBuilder();
    b.leaseHolder = holder;
    b.leaseUntil = until;
    return b.build();
  }

  /** {@code holder} gives the lease up. */
  public Registration release(String holder) {
    if (!holder.equals(leaseHolder)) {
      return this;
    }
    Builder b = toBuilder();
    b.leaseHolder = null;
    b.leaseUntil = null;
    return b.build();
  }

  /** Fixes where version allocation starts; only the first call counts. */
  public Registration startClaimAt(int n) {
    if (state != RegistrationState.RECEIVED || claiming > 0) {
      return this;
    }
    Builder b = toBuilder();
    b.claiming = n;
    return b.build();
  }

  /** RECEIVED → CLAIMED: version {@code n} is this run's; its final metrics go with it. */
  public Registration claimed(int n, Map<String, Double> finalMetrics, Instant now) {
    if (state != RegistrationState.RECEIVED) {
      return this;
    }
    Builder b = toBuilder();
    b.version = n;
    b.metrics = finalMetrics;
    return b.build().moveTo(RegistrationState.CLAIMED, now);
  }

  /** CLAIMED → COPIED: files and manifest are stored. */
  public Registration copied(String sha256, long size, int files, Instant now) {
    if (state != RegistrationState.CLAIMED) {
      return this;
    }
    Builder b = toBuilder();
    b.manifestSha256 = sha256;
    b.sizeBytes = size;
    b.fileCount = files;
    return b.build().moveTo(RegistrationState.COPIED, now);
  }

  /**
   * COPIED → RECORDED: the version is REGISTERED, and its warehouse rows are pending: what they
   * hold is durable (this event and the version's immutable files), so the {@link RowFlusher}
   * writes them in batches later, and a warehouse that is slow or down holds no registration up.
   */
  public Registration recorded(Instant now) {
    if (state != RegistrationState.COPIED) {
      return this;
    }
    Builder b = moveTo(RegistrationState.RECORDED, now).toBuilder();
    b.rowsPending = true;
    return b.build();
  }

  /** Its warehouse rows are written (in any state: the registration may be DONE by then). */
  public Registration rowsWritten() {
    if (!rowsPending) {
      return this;
    }
    Builder b = toBuilder();
    b.rowsPending = false;
    return b.build();
  }

  /** RECORDED → DONE: the gate ran and staging is deleted; the lease ends. */
  public Registration done(Instant now) {
    if (state != RegistrationState.RECORDED) {
      return this;
    }
    Builder b = moveTo(RegistrationState.DONE, now).toBuilder();
    b.leaseHolder = null;
    b.leaseUntil = null;
    return b.build();
  }

  /**
   * Ends as REJECTED with {@code why} (staging kept) and emits {@code model.rejected}; after a
   * claim the version is named, before it the event has none.
   */
  public Registration reject(String why, List<String> checks, Instant now) {
    if (state.terminal() || state == RegistrationState.RECORDED) {
      return this;
    }
    Builder b = toBuilder();
    b.reason = why;
    b.failedChecks = checks;
    b.leaseHolder = null;
    b.leaseUntil = null;
    Registration rejected = b.build().moveTo(RegistrationState.REJECTED, now);
    return rejected.withOutbox(
        rejected
            .outbox()
            .add(
                id,
                new ModelEvent.Rejected(
                    model, version == 0 ? null : Names.versionName(version), why, checks, id),
                now));
  }

  private Registration moveTo(RegistrationState next, Instant now) {
    List<Step> h = new ArrayList<>(history);
    h.add(new Step(next, now));
    Builder b = toBuilder();
    b.state = next;
    b.updatedAt = now;
    b.history = h;
    return b.build();
  }

  private Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.model = model;
    b.owner = owner;
    b.run = run;
    b.state = state;
    b.claiming = claiming;
    b.version = version;
    b.manifestSha256 = manifestSha256;
    b.sizeBytes = sizeBytes;
    b.fileCount = fileCount;
    b.metrics = metrics;
    b.reason = reason;
    b.failedChecks = failedChecks;
    b.leaseHolder = leaseHolder;
    b.leaseUntil = leaseUntil;
    b.createdAt = createdAt;
    b.updatedAt = updatedAt;
    b.history = history;
    b.outbox = outbox;
    b.rowsPending = rowsPending;
    return b;
  }

  /** A copy with some fields changed; the one place the long constructor is called. */
  private static final class Builder {
    private String id;
    private String model;
    private String owner;
    private RunEvent.Succeeded run;
    private RegistrationState state;
    private int claiming;
    private int version;
    private String manifestSha256;
    private long sizeBytes;
    private int fileCount;
    private Map<String, Double> metrics;
    private String reason;
    private List<String> failedChecks;
    private String leaseHolder;
    private Instant leaseUntil;
    private Instant createdAt;
    private Instant updatedAt;
    private List<Step> history;
    private Outbox outbox;
    private boolean rowsPending;

    Registration build() {
      return new Registration(
          id,
          model,
          owner,
          run,
          state,
          claiming,
          version,
          manifestSha256,
          sizeBytes,
          fileCount,
          metrics,
          reason,
          failedChecks,
          leaseHolder,
          leaseUntil,
          createdAt,
          updatedAt,
          history,
          outbox,
          rowsPending);
    }
  }
}
