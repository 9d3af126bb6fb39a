package dev.mlcp.experiments.notebooks;

import dev.mlcp.events.ExperimentEvent;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A notebook VM and the rules of its life. Every transition returns the next experiment (with the
 * events it causes in its outbox) or this very instance when it does not apply, so the caller's
 * compare-and-set writes nothing and does nothing; {@link ExperimentService} and {@link Reaper}
 * make the VM follow.
 *
 * @param id {@code exp-<ulid>}: one per incarnation of a name
 * @param name the name users address it by (unique among live experiments; free again once its
 *     experiment is DELETED or FAILED)
 * @param owner email of the person it belongs to, lower-case
 * @param state where it is
 * @param shape hardware and image
 * @param zones zones asked for, in order
 * @param instance the VM's name ({@code nb-<name>})
 * @param zone the zone the VM runs in, null before it is placed
 * @param createdAt when it was requested
 * @param updatedAt last change
 * @param startedAt when the VM last started (RUNNING since), null when not running
 * @param stoppedAt when it was stopped, null unless STOPPED
 * @param endedAt when it was deleted or failed
 * @param expiresAt when the reaper deletes it; {@code :extend} moves it, never past {@code
 *     hardDeadline}
 * @param hardDeadline {@code createdAt} + the admin's max TTL: the VM's {@code maxRunDuration}
 *     deletes it then even if this service is down
 * @param idleTimeout a running VM idle this long is stopped
 * @param internalIp the VM's internal IP as last seen
 * @param externalIp its external IP as last seen, null for none
 * @param heartbeat the agent's last heartbeat the service read, null for none yet
 * @param runningSeconds seconds the VM ran in earlier running periods (for the cost)
 * @param expiringNotified whether {@code experiment.expiring} went out for the current expiry
 * @param reason why it stopped, failed or was deleted
 * @param history every transition, oldest first
 * @param outbox events caused by transitions, not yet published
 */
public record Experiment(
    String id,
    String name,
    String owner,
    ExperimentState state,
    VmShape shape,
    List<String> zones,
    String instance,
    String zone,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant stoppedAt,
    Instant endedAt,
    Instant expiresAt,
    Instant hardDeadline,
    Duration idleTimeout,
    String internalIp,
    String externalIp,
    Heartbeat heartbeat,
    long runningSeconds,
    boolean expiringNotified,
    String reason,
    List<Transition> history,
    Outbox outbox)
    implements Document<Experiment> {

  /** Prefix of notebook VM names, so they never clash with training or serving VMs. */
  public static final String INSTANCE_PREFIX = "nb-";

  /** Copies the lists. */
  public Experiment {
    zones = zones == null ? List.of() : List.copyOf(zones);
    history = history == null ? List.of() : List.copyOf(history);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /**
   * One state change.
   *
   * @param state the new state
   * @param at when
   * @param detail why, in words (may be null)
   */
  public record Transition(ExperimentState state, Instant at, String detail) {}

  /** The VM name of experiment {@code name}. */
  public static String instanceName(String name) {
    return INSTANCE_PREFIX + name;
  }

  /** A new PROVISIONING experiment. */
  public static Experiment provisioning(
      String id,
      String name,
      String owner,
      VmShape shape,
      List<String> zones,
      Duration ttl,
      Duration idleTimeout,
      Duration maxTtl,
      Instant now) {
    return new Experiment(
        id,
        name,
        owner,
        ExperimentState.PROVISIONING,
        shape,
        zones,
        instanceName(name),
        null,
        now,
        now,
        null,
        null,
        null,
        now.plus(ttl),
        now.plus(maxTtl),
        idleTimeout,
        null,
        null,
        null,
        0,
        false,
        null,
        List.of(new Transition(ExperimentState.PROVISIONING, now, null)),
        Outbox.empty());
  }

  @Override
  public Experiment withOutbox(Outbox next) {
    Builder b = toBuilder();
    b.outbox = next;
    return b.build();
  }

  // ---- transitions ------------------------------------------------------------------------

  /** PROVISIONING → RUNNING: the VM exists in {@code vmZone}. */
  public Experiment placed(String vmZone, String internal, String external, Instant now) {
    if (state != ExperimentState.PROVISIONING) {
      return this;
    }
    Builder b = toBuilder();
    b.zone = vmZone;
    b.internalIp = internal;
    b.externalIp = external;
    b.startedAt = now;
    Experiment running = b.build().moveTo(ExperimentState.RUNNING, now, null);
    return running.emit(
        new ExperimentEvent.Created(name, owner, vmZone, shape.machineType(), expiresAt), now);
  }

  /** PROVISIONING → FAILED: no VM was made. */
  public Experiment failed(String why, Instant now) {
    if (state != ExperimentState.PROVISIONING) {
      return this;
    }
    return moveTo(ExperimentState.FAILED, now, why);
  }

  /** RUNNING → STOPPED (disk kept). */
  public Experiment stop(String why, String eventReason, Instant now) {
    if (state != ExperimentState.RUNNING) {
      return this;
    }
    Builder b = toBuilder();
    b.runningSeconds = runningSeconds + ranSince(startedAt, now);
    b.startedAt = null;
    b.stoppedAt = now;
    return b.build()
        .moveTo(ExperimentState.STOPPED, now, why)
        .emit(new ExperimentEvent.Stopped(name, owner, eventReason), now);
  }

  /** STOPPED → RUNNING. */
  public Experiment started(Instant now) {
    if (state != ExperimentState.STOPPED) {
      return this;
    }
    Builder b = toBuilder();
    b.startedAt = now;
    b.stoppedAt = null;
    return b.build().moveTo(ExperimentState.RUNNING, now, null);
  }

  /** Any live state → DELETED, emitting {@code experiment.deleted} with {@code eventReason}. */
  public Experiment delete(String why, String eventReason, Instant now) {
    if (state.terminal()) {
      return this;
    }
    Builder b = toBuilder();
    if (state == ExperimentState.RUNNING) {
      b.runningSeconds = runningSeconds + ranSince(startedAt, now);
    }
    b.startedAt = null;
    return b.build()
        .moveTo(ExperimentState.DELETED, now, why)
        .emit(new ExperimentEvent.Deleted(name, owner, eventReason), now);
  }

  /**
   * Moves the expiry {@code by} later (from now when already past), up to {@link #hardDeadline}.
   *
   * @throws CapExceededException when the new expiry would pass the hard deadline
   */
  public Experiment extend(Duration by, Instant now) {
    if (state.terminal()) {
      return this;
    }
    Instant from = expiresAt.isAfter(now) ? expiresAt : now;
    Instant next = from.plus(by);
    if (next.isAfter(hardDeadline)) {
      throw new CapExceededException(
          "by",
          "mlcp.experiments.caps.max-ttl",
          Duration.between(createdAt, hardDeadline),
          "extending by "
              + by
              + " would end at "
              + next
              + ", after this experiment's limit "
              + hardDeadline
              + " (created "
              + createdAt
              + " + the admin's max TTL "
              + Duration.between(createdAt, hardDeadline)
              + "); extend by at most "
              + Duration.between(from, hardDeadline).withNanos(0));
    }
    Builder b = toBuilder();
    b.expiresAt = next;
    b.expiringNotified = false;
    b.updatedAt = now;
    List<Transition> h = new ArrayList<>(history);
    h.add(new Transition(state, now, "extended to " + next));
    b.history = h;
    return b.build();
  }

  /** Marks {@code experiment.expiring} as sent for the current expiry, emitting it. */
  public Experiment noticeExpiring(Instant now) {
    if (state.terminal() || expiringNotified) {
      return this;
    }
    Builder b = toBuilder();
    b.expiringNotified = true;
    return b.build().emit(new ExperimentEvent.Expiring(name, owner, expiresAt), now);
  }

  /**
   * What was seen of the VM: its last heartbeat and addresses. Returns this instance when nothing
   * changed, so a pass that learns nothing writes nothing.
   */
  public Experiment observed(Heartbeat beat, String internal, String external) {
    Heartbeat nextBeat = beat == null ? heartbeat : beat;
    String nextInternal = internal == null ? internalIp : internal;
    String nextExternal = internal == null ? externalIp : external;
    if (Objects.equals(nextBeat, heartbeat)
        && Objects.equals(nextInternal, internalIp)
        && Objects.equals(nextExternal, externalIp)) {
      return this;
    }
    Builder b = toBuilder();
    b.heartbeat = nextBeat;
    b.internalIp = nextInternal;
    b.externalIp = nextExternal;
    return b.build();
  }

  /** Seconds the VM has run, the current running period included. */
  public long runningSecondsAt(Instant now) {
    return runningSeconds + (state == ExperimentState.RUNNING ? ranSince(startedAt, now) : 0);
  }

  private static long ranSince(Instant start, Instant now) {
    return start == null ? 0 : Math.max(0, Duration.between(start, now).toSeconds());
  }

  private Experiment emit(MlcpEvent event, Instant at) {
    return withOutbox(outbox.add(id, event, at));
  }

  private Experiment moveTo(ExperimentState next, Instant now, String detail) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException(
          "experiment " + name + " (" + id + ") cannot move from " + state + " to " + next);
    }
    List<Transition> h = new ArrayList<>(history);
    h.add(new Transition(next, now, detail));
    Builder b = toBuilder();
    b.state = next;
    b.updatedAt = now;
    b.history = h;
    if (next.terminal()) {
      b.endedAt = now;
    }
    if (detail != null) {
      b.reason = detail;
    }
    return b.build();
  }

  private Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.name = name;
    b.owner = owner;
    b.state = state;
    b.shape = shape;
    b.zones = zones;
    b.instance = instance;
    b.zone = zone;
    b.createdAt = createdAt;
    b.updatedAt = updatedAt;
    b.startedAt = startedAt;
    b.stoppedAt = stoppedAt;
    b.endedAt = endedAt;
    b.expiresAt = expiresAt;
    b.hardDeadline = hardDeadline;
    b.idleTimeout = idleTimeout;
    b.internalIp = internalIp;
    b.externalIp = externalIp;
    b.heartbeat = heartbeat;
    b.runningSeconds = runningSeconds;
    b.expiringNotified = expiringNotified;
    b.reason = reason;
    b.history = history;
    b.outbox = outbox;
    return b;
  }

  /** A copy with some fields changed; the single place the long constructor is called. */
  private static final class Builder {
    private String id;
    private String name;
    private String owner;
    private ExperimentState state;
    private VmShape shape;
    private List<String> zones;
    private String instance;
    private String zone;
    private Instant createdAt;
    private Instant updatedAt;
    private Instant startedAt;
    private Instant stoppedAt;
    private Instant endedAt;
    private Instant expiresAt;
    private Instant hardDeadline;
    private Duration idleTimeout;
    private String internalIp;
    private String externalIp;
    private Heartbeat heartbeat;
    private long runningSeconds;
    private boolean expiringNotified;
    private String reason;
    private List<Transition> history;
    private Outbox outbox;

    Experiment build() {
      return new Experiment(
          id,
          name,
          owner,
          state,
          shape,
          zones,
          instance,
          zone,
          createdAt,
          updatedAt,
          startedAt,
          stoppedAt,
          endedAt,
          expiresAt,
          hardDeadline,
          idleTimeout,
          internalIp,
          externalIp,
          heartbeat,
          runningSeconds,
          expiringNotified,
          reason,
          history,
          outbox);
    }
  }
}
