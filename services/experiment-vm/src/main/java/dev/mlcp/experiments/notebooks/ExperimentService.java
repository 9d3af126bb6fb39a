package dev.mlcp.experiments.notebooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.state.Change;
import dev.mlcp.state.OutboxRelay;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Orchestrates notebook VMs over the ports: the rules of each transition are {@link Experiment}'s
 * and the caps {@link NotebookPolicy}'s; this class makes the compare-and-set write and, only when
 * its write made the transition, the VM follow (create, stop, start, delete) and the events go out.
 */
public class ExperimentService {
  private static final Logger LOG = Logger.getLogger(ExperimentService.class);
  private static final Pattern QUOTA = Pattern.compile("Quota '([A-Za-z0-9_]+)' exceeded");

  private final ExperimentRepository experiments;
  private final Instances instances;
  private final NotebookPlan plan;
  private final NotebookPolicy policy;
  private final OutboxRelay<Experiment> relay;
  private final IdGenerator ids;
  private final Clock clock;
  private final ObjectMapper json;
  private final Duration heartbeatStaleAfter;

  public ExperimentService(
      ExperimentRepository experiments,
      Instances instances,
      NotebookPlan plan,
      NotebookPolicy policy,
      OutboxRelay<Experiment> relay,
      IdGenerator ids,
      Clock clock,
      ObjectMapper json,
      Duration heartbeatStaleAfter) {
    this.experiments = experiments;
    this.instances = instances;
    this.plan = plan;
    this.policy = policy;
    this.relay = relay;
    this.ids = ids;
    this.clock = clock;
    this.json = json;
    this.heartbeatStaleAfter = heartbeatStaleAfter;
  }

  /**
   * A notebook VM as last seen: the experiment, its VM's status right now (null when the VM does
   * not exist) and whether it is in use.
   */
  public record Observation(
      Experiment experiment, InstanceStatus vmStatus, Idleness.Judgement idleness) {}

  /**
   * Creates an experiment and its VM, trying its zones in order while they are stocked out. On any
   * failure the experiment ends FAILED and no VM is left behind.
   *
   * @throws InvalidExperimentException, CapExceededException for a request beyond the rules
   * @throws OwnerLimitExceededException when the owner has too many experiments
   * @throws ExperimentConflictException when the name is taken
   * @throws CapacityException for a quota or a stockout in every zone (GCE's reason, the quota)
   */
  public Experiment create(String owner, ExperimentRequest request) {
    NotebookPolicy.Resolved resolved = policy.resolve(request);
    checkShare(owner);
    Instant now = clock.instant();
    Experiment experiment =
        experiments.create(
            Experiment.provisioning(
                ids.prefixed("exp").toLowerCase(Locale.ROOT),
                resolved.name(),
                owner,
                resolved.shape(),
                resolved.zones(),
                resolved.ttl(),
                resolved.idleTimeout(),
                policy.caps().maxTtl(),
                now));
    Instance vm;
    try {
      vm = instances.create(plan.instanceFor(experiment));
    } catch (PlatformException e) {
      throw provisioningFailed(experiment, e);
    }
    Change<Experiment> placed =
        transition(
            experiment.id(),
            x -> x.placed(vm.zone(), vm.networkIp(), vm.externalIp(), clock.instant()));
    if (placed.changed()) {
      relay.drain(experiment.id());
      LOG.infof(
          "experiment %s (%s) of %s running on %s in %s",
          experiment.name(), experiment.id(), owner, vm.name(), vm.zone());
    } else if (placed.after().state().terminal()) {
      // Deleted while its VM was being made: the VM must not outlive it.
      deleteQuietly(vm.zone(), vm.name());
    }
    return placed.after();
  }

  private RuntimeException provisioningFailed(Experiment experiment, PlatformException e) {
    List<String> zones = experiment.zones();
    String why;
    RuntimeException answer;
    switch (e.kind()) {
      case ZONE_EXHAUSTED -> {
        why = "no capacity in " + zones + " (" + e.reason() + ")";
        answer =
            new CapacityException(
                CapacityException.Kind.STOCKOUT,
                e.reason(),
                null,
                zones,
                "No zone of "
                    + zones
                    + " has capacity for "
                    + describe(experiment.shape())
                    + " now ("
                    + e.reason()
                    + "). Retry later or ask for other zones.");
      }
      case QUOTA_EXCEEDED -> {
        String quota = quotaName(e.getMessage());
        why = "quota " + (quota == null ? "" : quota + " ") + "exceeded (" + e.reason() + ")";
        answer =
            new CapacityException(
                CapacityException.Kind.QUOTA,
                e.reason(),
                quota,
                zones,
                "A Compute Engine quota"
                    + (quota == null ? "" : " (" + quota + ")")
                    + " does not allow "
                    + describe(experiment.shape())
                    + ": "
                    + e.getMessage());
      }
      case ALREADY_EXISTS -> {
        // Not ours to delete: most likely the VM of this name's last experiment, still going.
        why = "a VM named " + experiment.instance() + " exists";
        answer =
            new ExperimentConflictException(
                "a VM named "
                    + experiment.instance()
                    + " still exists (the last experiment of this name being deleted?); retry"
                    + " in a minute");
      }
      default -> {
        why =
            "VM creation failed ("
                + e.kind().name().toLowerCase(Locale.ROOT)
                + ", "
                + e.reason()
                + ")";
        answer = e;
        if (e.kind() == PlatformException.Kind.TRANSIENT) {
          // The VM may exist after all (a timeout after the insert): nothing may be left behind.
          zones.forEach(z -> deleteQuietly(z, experiment.instance()));
        }
      }
    }
    transition(experiment.id(), x -> x.failed(why, clock.instant()));
    LOG.infof("experiment %s failed: %s", experiment.name(), why);
    return answer;
  }

  /** GCE's quota name from its message ({@code Quota 'NVIDIA_L4_GPUS' exceeded. Limit: …}). */
  static String quotaName(String message) {
    Matcher m = QUOTA.matcher(String.valueOf(message));
    return m.find() ? m.group(1) : null;
  }

  private static String describe(VmShape shape) {
    return shape.machineType()
        + (shape.acceleratorType() == null
            ? ""
            : " with " + shape.acceleratorCount() + " " + shape.acceleratorType())
        + (shape.spot() ? " (Spot)" : "");
  }

  /**
   * Counts through the owner's index entries and reads the experiments only when the cap seems
   * reached (stale entries must not refuse a request). Two requests racing may both pass the last
   * slot: the cap bounds runaway use, it is not an exact quota.
   */
  private void checkShare(String owner) {
    int max = policy.caps().maxConcurrentPerOwner();
    List<String> live = experiments.liveIdsOf(owner);
    if (live.size() < max) {
      return;
    }
    long really = experiments.findAll(live).stream().filter(e -> !e.state().terminal()).count();
    if (really >= max) {
      throw new OwnerLimitExceededException(owner, (int) really, max);
    }
  }

  /** The latest experiment named {@code name}. */
  public Optional<Experiment> byName(String name) {
    return experiments.byName(name);
  }

  /**
   * Looks at the VM now: its status, its addresses and its last heartbeat (one read of its guest
   * attributes), recording what changed.
   */
  public Observation observe(Experiment experiment) {
    if (experiment.state() != ExperimentState.RUNNING
        && experiment.state() != ExperimentState.STOPPED) {
      return new Observation(experiment, null, null);
    }
    Optional<Instance> vm = instances.get(experiment.zone(), experiment.instance());
    Heartbeat beat = null;
    if (vm.isPresent() && experiment.state() == ExperimentState.RUNNING) {
      beat =
          heartbeat(
              instances.guestAttributes(
                  experiment.zone(), experiment.instance(), Heartbeat.NAMESPACE));
    }
    Heartbeat seen = beat;
    Experiment current = experiment;
    if (vm.isPresent()) {
      current =
          experiments
              .update(
                  experiment.id(),
                  x -> x.observed(seen, vm.get().networkIp(), vm.get().externalIp()))
              .map(Change::after)
              .orElse(experiment);
    }
    return new Observation(
        current, vm.map(Instance::status).orElse(null), judge(current, clock.instant()));
  }

  /** Whether a running experiment is in use, from its last recorded heartbeat. */
  public Idleness.Judgement judge(Experiment experiment, Instant now) {
    if (experiment.state() != ExperimentState.RUNNING) {
      return null;
    }
    return Idleness.judge(
        experiment.heartbeat(),
        experiment.startedAt(),
        experiment.idleTimeout(),
        heartbeatStaleAfter,
        now);
  }

  /** The heartbeat among guest attributes, empty when there is none or it is unreadable. */
  Heartbeat heartbeat(Map<String, String> guestAttributes) {
    return Heartbeat.parse(guestAttributes.get(Heartbeat.KEY), json).orElse(null);
  }

  /** Stops a running experiment's VM (its disk is kept): {@code :stop}. */
  public Experiment stop(Experiment experiment, String by) {
    Change<Experiment> change =
        transition(experiment.id(), x -> x.stop("stopped by " + by, "requested", clock.instant()));
    if (!change.changed()) {
      if (change.after().state() != ExperimentState.STOPPED) {
        throw new ExperimentConflictException(
            "experiment "
                + experiment.name()
                + " is "
                + change.after().state()
                + "; only a RUNNING one can be stopped");
      }
      return change.after();
    }
    relay.drain(experiment.id());
    stopQuietly(change.after());
    LOG.infof("experiment %s stopped by %s", experiment.name(), by);
    return change.after();
  }

  /**
   * Starts a stopped experiment's VM, carrying its hard deadline over: the VM's {@code
   * maxRunDuration} becomes what is left of it.
   */
  public Experiment start(Experiment experiment, String by) {
    Instant now = clock.instant();
    if (!experiment.expiresAt().isAfter(now.plusSeconds(60))) {
      throw new ExperimentConflictException(
          "experiment "
              + experiment.name()
              + " expires at "
              + experiment.expiresAt()
              + "; extend it before starting it");
    }
    Change<Experiment> change = transition(experiment.id(), x -> x.started(clock.instant()));
    if (!change.changed()) {
      if (change.after().state() != ExperimentState.RUNNING) {
        throw new ExperimentConflictException(
            "experiment "
                + experiment.name()
                + " is "
                + change.after().state()
                + "; only a STOPPED one can be started");
      }
      return change.after();
    }
    Experiment started = change.after();
    Duration left = Duration.between(clock.instant(), started.hardDeadline());
    try {
      if (!instances.start(started.zone(), started.instance(), left)) {
        transition(started.id(), x -> x.delete("its VM is gone", "gone", clock.instant()));
        relay.drain(started.id());
        throw new ExperimentConflictException(
            "experiment " + started.name() + "'s VM no longer exists; it is deleted");
      }
    } catch (PlatformException e) {
      // Not running after all (no capacity in its zone now, a quota): stopped again, disk kept.
      transition(
          started.id(),
          x ->
              x.stop(
                  "start failed (" + e.reason() + "): " + e.getMessage(),
                  "start-failed",
                  clock.instant()));
      relay.drain(started.id());
      if (e.kind() == PlatformException.Kind.ZONE_EXHAUSTED
          || e.kind() == PlatformException.Kind.QUOTA_EXCEEDED) {
        throw new CapacityException(
            e.kind() == PlatformException.Kind.QUOTA_EXCEEDED
                ? CapacityException.Kind.QUOTA
                : CapacityException.Kind.STOCKOUT,
            e.reason(),
            quotaName(e.getMessage()),
            List.of(started.zone()),
            "The VM could not start in "
                + started.zone()
                + " ("
                + e.reason()
                + "): "
                + e.getMessage()
                + ". Its disk is kept; try again later.");
      }
      throw e;
    }
    LOG.infof("experiment %s started by %s", started.name(), by);
    return experiments.find(started.id()).orElse(started);
  }

  /**
   * Moves the experiment's expiry {@code by} later, up to its hard deadline (the admin's max TTL
   * from its creation, which is also its VM's {@code maxRunDuration}: the VM itself needs no
   * change).
   *
   * @throws CapExceededException past the hard deadline
   */
  public Experiment extend(Experiment experiment, Duration by) {
    if (by == null || by.isNegative() || by.isZero()) {
      throw new InvalidExperimentException("by", "must be a positive duration such as PT2H");
    }
    Change<Experiment> change = transition(experiment.id(), x -> x.extend(by, clock.instant()));
    if (!change.changed() && change.after().state().terminal()) {
      throw new ExperimentConflictException(
          "experiment "
              + experiment.name()
              + " is "
              + change.after().state()
              + " and cannot be extended");
    }
    return change.after();
  }

  /** Deletes the experiment and its VM; deleting a deleted one changes nothing. */
  public Experiment delete(Experiment experiment, String by) {
    Change<Experiment> change =
        transition(
            experiment.id(), x -> x.delete("deleted by " + by, "requested", clock.instant()));
    if (change.changed()) {
      relay.drain(experiment.id());
      deleteQuietly(change.after().zone(), experiment.instance());
      if (change.before().state() == ExperimentState.PROVISIONING) {
        // Being created right now in one of its zones: the creator deletes it when it sees the
        // experiment ended, and the reaper deletes whatever is left.
        change.before().zones().forEach(z -> deleteQuietly(z, experiment.instance()));
      }
      LOG.infof("experiment %s deleted by %s", experiment.name(), by);
    }
    return change.after();
  }

  /** Publishes an experiment's pending events now. */
  public void drain(String id) {
    relay.drain(id);
  }

  /** Requests the VM's deletion without waiting; already gone is fine. */
  void deleteQuietly(String zone, String name) {
    if (zone == null || name == null) {
      return;
    }
    try {
      instances.requestDelete(zone, name);
    } catch (PlatformException e) {
      LOG.warnf("deleting VM %s in %s failed (%s); the reaper retries", name, zone, e.kind());
    }
  }

  private void stopQuietly(Experiment experiment) {
    try {
      instances.stop(experiment.zone(), experiment.instance());
    } catch (PlatformException e) {
      LOG.warnf("stopping VM %s failed (%s); the reaper retries", experiment.instance(), e.kind());
    }
  }

  private Change<Experiment> transition(String id, UnaryOperator<Experiment> change) {
    return experiments
        .update(id, change)
        .orElseThrow(() -> new IllegalArgumentException("no experiment " + id));
  }
}
