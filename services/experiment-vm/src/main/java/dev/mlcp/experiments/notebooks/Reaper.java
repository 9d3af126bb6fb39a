package dev.mlcp.experiments.notebooks;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.state.Change;
import dev.mlcp.state.OutboxRelay;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * The policy users cannot cancel, applied every few minutes ({@code POST /internal/reap}): compares
 * the VMs labelled {@code mlcp-experiment} with the live experiments and
 *
 * <ul>
 *   <li>emits {@code experiment.expiring} once, {@code expiring-notice} before an experiment's
 *       expiry;
 *   <li>deletes the VMs of expired experiments ({@code experiment.deleted}, reason {@code
 *       expired});
 *   <li>stops running VMs idle for their idle timeout (disk kept, {@code experiment.stopped},
 *       reason {@code idle}), reading the heartbeat only of VMs that could be idle by now;
 *   <li>deletes VMs stopped longer than {@code stopped-retention} (reason {@code
 *       stopped-too-long});
 *   <li>deletes VMs labelled {@code mlcp-experiment} with no live experiment (orphans: a failed or
 *       deleted experiment's VM, a creation that lost its record);
 *   <li>records what happened behind its back: a VM gone (its hard limit, a Spot preemption, a
 *       person: reason {@code gone}), a VM stopped from inside, a creation that never finished;
 *   <li>republishes events left in outboxes.
 * </ul>
 *
 * Every change is a compare-and-set transition whose winner alone acts, and every VM action is
 * idempotent, so passes may overlap (two schedulers, a slow pass) without acting twice. One
 * experiment's failure does not stop the pass.
 */
public class Reaper {
  private static final Logger LOG = Logger.getLogger(Reaper.class);
  private static final int LIST_PAGE = 500;

  private final ExperimentRepository experiments;
  private final ExperimentService service;
  private final Instances instances;
  private final OutboxRelay<Experiment> relay;
  private final Clock clock;
  private final Timing timing;

  /**
   * The reaper's timing ({@code mlcp.experiments.reaper.*}).
   *
   * @param expiringNotice how long before expiry the warning goes out
   * @param stoppedRetention how long a stopped VM is kept
   * @param settle how recent a change must be left alone (a start or stop on its way)
   * @param provisioningTimeout how long a creation may take before it counts as failed
   */
  public record Timing(
      Duration expiringNotice,
      Duration stoppedRetention,
      Duration settle,
      Duration provisioningTimeout) {}

  /**
   * What one pass found and did.
   *
   * @param instancesSeen VMs labelled {@code mlcp-experiment}
   * @param liveExperiments experiments in the live index
   * @param actions one line per action, e.g. {@code stopped nb-ana: idle for 64 min}
   * @param failures actions that failed (the next pass retries)
   * @param computeCalls Compute Engine API calls this pass made (list pages, guest-attribute reads,
   *     stops, deletes)
   * @param guestAttributeReads of which heartbeat reads
   * @param eventsRepublished outbox events published by this pass
   * @param millis how long the pass took
   */
  public record Report(
      int instancesSeen,
      int liveExperiments,
      List<String> actions,
      int failures,
      int computeCalls,
      int guestAttributeReads,
      int eventsRepublished,
      long millis) {}

  public Reaper(
      ExperimentRepository experiments,
      ExperimentService service,
      Instances instances,
      OutboxRelay<Experiment> relay,
      Clock clock,
      Timing timing) {
    this.experiments = experiments;
    this.service = service;
    this.instances = instances;
    this.relay = relay;
    this.clock = clock;
    this.timing = timing;
  }

  /** The state of one pass. */
  private final class Pass {
    final Instant now = clock.instant();
    final List<String> actions = new ArrayList<>();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger computeCalls = new AtomicInteger();
    final AtomicInteger guestReads = new AtomicInteger();

    void isolated(String what, Runnable action) {
      try {
        action.run();
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        actions.add("failed on " + what + ": " + e);
        LOG.warnf(e, "reap: %s failed; the next pass retries", what);
      }
    }
  }

  /** One pass. */
  public Report reap() {
    long started = System.nanoTime();
    Pass pass = new Pass();
    // VMs first: a VM listed before its experiment is read cannot be mistaken for an orphan,
    // since an experiment is recorded before its VM is created.
    List<Instance> vms = listVms(pass);
    List<String> liveIds = experiments.liveIds().toList();
    Map<String, Experiment> live = new HashMap<>();
    for (Experiment e : experiments.findAll(liveIds)) {
      if (!e.state().terminal()) {
        live.put(e.id(), e);
      }
    }
    Set<String> withVm = new HashSet<>();
    for (Instance vm : vms) {
      Experiment owner = live.get(vm.labels().get(NotebookPlan.ID_LABEL));
      if (owner != null && owner.instance().equals(vm.name())) {
        withVm.add(owner.id());
        pass.isolated(vm.name(), () -> judge(owner, vm, pass));
      } else {
        pass.isolated(vm.name(), () -> orphan(vm, pass));
      }
    }
    for (Experiment e : live.values()) {
      if (!withVm.contains(e.id())) {
        pass.isolated(e.name(), () -> missing(e, pass));
      }
    }
    OutboxRelay.Report outbox = relay.drainAll();
    pass.failures.addAndGet(outbox.failed());
    if (outbox.published() > 0) {
      pass.actions.add(
          "republished "
              + outbox.published()
              + " events of "
              + outbox.documents()
              + " experiments");
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    if (!pass.actions.isEmpty() || pass.failures.get() > 0) {
      LOG.infof(
          "reap: %d VMs, %d live experiments, %d actions, %d failures in %d ms, first: %s",
          vms.size(),
          live.size(),
          pass.actions.size(),
          pass.failures.get(),
          millis,
          pass.actions.subList(0, Math.min(20, pass.actions.size())));
    }
    return new Report(
        vms.size(),
        live.size(),
        List.copyOf(pass.actions),
        pass.failures.get(),
        pass.computeCalls.get(),
        pass.guestReads.get(),
        outbox.published(),
        millis);
  }

  private List<Instance> listVms(Pass pass) {
    List<Instance> vms = new ArrayList<>();
    InstanceFilter filter = InstanceFilter.hasLabel(NotebookPlan.EXPERIMENT_LABEL);
    String token = null;
    do {
      Page<Instance> page = instances.list(filter, LIST_PAGE, token);
      pass.computeCalls.incrementAndGet();
      vms.addAll(page.items());
      token = page.nextPageToken();
    } while (token != null);
    return vms;
  }

  /** A live experiment and its VM. */
  private void judge(Experiment e, Instance vm, Pass pass) {
    Instant now = pass.now;
    if (!now.isBefore(e.expiresAt())) {
      delete(e, "expired at " + e.expiresAt(), "expired", pass);
      return;
    }
    if (e.state() == ExperimentState.STOPPED) {
      if (e.stoppedAt() != null && !now.isBefore(e.stoppedAt().plus(timing.stoppedRetention()))) {
        delete(e, "stopped since " + e.stoppedAt(), "stopped-too-long", pass);
        return;
      }
      if (running(vm) && settled(e, now)) {
        // Started behind mlcp's back (or a stop that did not go through): the record rules.
        stopVm(e, "stopped in mlcp but running", pass);
      }
      noticeExpiring(e, pass);
      return;
    }
    if (e.state() == ExperimentState.PROVISIONING) {
      if (settled(e, now)) {
        // The creator died after the VM was made: adopt it.
        Change<Experiment> placed =
            update(e.id(), x -> x.placed(vm.zone(), vm.networkIp(), vm.externalIp(), now));
        if (placed.changed()) {
          relay.drain(e.id());
          pass.actions.add("adopted " + vm.name() + " for " + e.name());
        }
      }
      return;
    }
    // RUNNING
    if (!running(vm)) {
      if (settled(e, now) && vm.status() != InstanceStatus.STOPPING) {
        Change<Experiment> stopped =
            update(
                e.id(),
                x ->
                    x.stop(
                        "found " + vm.status() + " (stopped outside mlcp)",
                        "stopped-outside",
                        now));
        if (stopped.changed()) {
          relay.drain(e.id());
          pass.actions.add("recorded " + e.name() + " as stopped: its VM is " + vm.status());
        }
      }
      return;
    }
    noticeExpiring(e, pass);
    idle(e, vm, pass);
  }

  /**
   * Stops a running VM idle for its idle timeout. The heartbeat is read only when the VM could be
   * idle by now: the idle clock runs from its last start or last known activity, so VMs recently
   * active cost no API call.
   */
  private void idle(Experiment e, Instance vm, Pass pass) {
    Instant now = pass.now;
    Instant since = e.startedAt();
    if (e.heartbeat() != null
        && e.heartbeat().lastActivity() != null
        && (since == null || e.heartbeat().lastActivity().isAfter(since))) {
      since = e.heartbeat().lastActivity();
    }
    if (since != null && now.isBefore(since.plus(e.idleTimeout()))) {
      return;
    }
    Map<String, String> attributes =
        instances.guestAttributes(vm.zone(), vm.name(), Heartbeat.NAMESPACE);
    pass.computeCalls.incrementAndGet();
    pass.guestReads.incrementAndGet();
    Heartbeat beat = service.heartbeat(attributes);
    // One write: the heartbeat recorded, and the stop when the experiment (as stored now, with
    // that heartbeat) is idle.
    Change<Experiment> seen =
        update(
            e.id(),
            x -> {
              Experiment observed = x.observed(beat, vm.networkIp(), vm.externalIp());
              Idleness.Judgement judgement = service.judge(observed, now);
              return judgement != null && judgement.verdict() == Idleness.Verdict.IDLE
                  ? observed.stop(judgement.why(), "idle", now)
                  : observed;
            });
    if (seen.changed()
        && seen.before().state() == ExperimentState.RUNNING
        && seen.after().state() == ExperimentState.STOPPED) {
      relay.drain(e.id());
      stopVm(seen.after(), seen.after().reason(), pass);
    }
  }

  private void noticeExpiring(Experiment e, Pass pass) {
    if (!e.expiringNotified() && !pass.now.isBefore(e.expiresAt().minus(timing.expiringNotice()))) {
      Change<Experiment> noticed = update(e.id(), x -> x.noticeExpiring(pass.now));
      if (noticed.changed()) {
        relay.drain(e.id());
        pass.actions.add("warned " + e.name() + ": expires at " + e.expiresAt());
      }
    }
  }

  /** A live experiment without its VM. */
  private void missing(Experiment e, Pass pass) {
    Instant now = pass.now;
    if (e.state() == ExperimentState.PROVISIONING) {
      if (!now.isBefore(e.createdAt().plus(timing.provisioningTimeout()))) {
        Change<Experiment> failed =
            update(
                e.id(), x -> x.failed("its VM was never created (creation did not finish)", now));
        if (failed.changed()) {
          pass.actions.add("failed " + e.name() + ": no VM after " + timing.provisioningTimeout());
        }
      }
      return;
    }
    if (!now.isBefore(e.expiresAt())) {
      delete(e, "expired at " + e.expiresAt(), "expired", pass);
      return;
    }
    if (!settled(e, now)) {
      return;
    }
    String why =
        !now.isBefore(e.hardDeadline())
            ? "its VM reached its hard limit (maxRunDuration) and was deleted"
            : "its VM is gone (deleted outside mlcp or a Spot VM reclaimed)";
    Change<Experiment> gone = update(e.id(), x -> x.delete(why, "gone", now));
    if (gone.changed()) {
      relay.drain(e.id());
      pass.actions.add("recorded " + e.name() + " as deleted: " + why);
    }
  }

  /** A VM labelled {@code mlcp-experiment} without a live experiment. */
  private void orphan(Instance vm, Pass pass) {
    String id = vm.labels().get(NotebookPlan.ID_LABEL);
    Optional<Experiment> recorded = id == null ? Optional.empty() : experiments.find(id);
    if (recorded.isPresent()
        && !recorded.get().state().terminal()
        && !recorded.get().instance().equals(vm.name())) {
      pass.actions.add("left " + vm.name() + " alone: labelled for " + id + " but not its VM");
      return;
    }
    if (recorded.isPresent() && !recorded.get().state().terminal()) {
      return; // listed after this pass read the live experiments: the next pass judges it
    }
    String why =
        recorded.map(r -> "its experiment is " + r.state()).orElse("no experiment recorded");
    pass.computeCalls.incrementAndGet();
    try {
      instances.requestDelete(vm.zone(), vm.name());
      pass.actions.add("deleted " + vm.name() + ": " + why);
    } catch (PlatformException ex) {
      pass.failures.incrementAndGet();
      pass.actions.add("delete of " + vm.name() + " failed (" + ex.kind() + "), next pass retries");
    }
  }

  private void delete(Experiment e, String why, String eventReason, Pass pass) {
    Change<Experiment> deleted = update(e.id(), x -> x.delete(why, eventReason, pass.now));
    if (!deleted.changed()) {
      return;
    }
    relay.drain(e.id());
    pass.computeCalls.incrementAndGet();
    try {
      instances.requestDelete(e.zone(), e.instance());
      pass.actions.add("deleted " + e.instance() + ": " + why);
    } catch (PlatformException ex) {
      // The experiment is DELETED: its VM is an orphan the next pass deletes.
      pass.failures.incrementAndGet();
      pass.actions.add(
          "delete of " + e.instance() + " failed (" + ex.kind() + "), next pass retries");
    }
  }

  private void stopVm(Experiment e, String why, Pass pass) {
    pass.computeCalls.incrementAndGet();
    try {
      instances.stop(e.zone(), e.instance());
      pass.actions.add("stopped " + e.instance() + ": " + why);
    } catch (PlatformException ex) {
      pass.failures.incrementAndGet();
      pass.actions.add(
          "stop of " + e.instance() + " failed (" + ex.kind() + "), next pass retries");
    }
  }

  private boolean settled(Experiment e, Instant now) {
    return e.updatedAt().plus(timing.settle()).isBefore(now);
  }

  private static boolean running(Instance vm) {
    return vm.status() == InstanceStatus.RUNNING
        || vm.status() == InstanceStatus.STAGING
        || vm.status() == InstanceStatus.PROVISIONING;
  }

  private Change<Experiment> update(String id, UnaryOperator<Experiment> change) {
    return experiments
        .update(id, change)
        .orElseThrow(() -> new IllegalStateException("experiment " + id + " vanished"));
  }
}
