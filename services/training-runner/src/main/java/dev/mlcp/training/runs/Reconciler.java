package dev.mlcp.training.runs;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.state.OutboxRelay;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The fourth net under "no VM outlives its run" (after the completion event, the agent's
 * self-delete and {@code maxRunDuration}): compares the VMs labelled {@code mlcp-run} with the
 * active runs and repairs every difference, reads the agent's durable completion record when a
 * completion event was lost, republishes events left in outboxes and submits follow-ups a crash
 * left behind. Every action goes through {@link RunService}'s compare-and-set transitions or an
 * idempotent delete, so two reconcilers at once (or one racing a completion) cannot double-act. One
 * run's failure does not stop the pass: it is counted and the next pass tries again.
 */
public class Reconciler {
  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  private final RunRepository runs;
  private final RunService service;
  private final Instances instances;
  private final OutboxRelay<Run> relay;
  private final Clock clock;
  private final Duration settle;
  private final Duration missingGrace;

  /**
   * @param settle runs changed more recently than this are left alone (their VM may not be listed
   *     yet)
   * @param missingGrace how long a running run's VM may be missing, without a completion record,
   *     before the run is judged: the completion may still be on its way
   */
  public Reconciler(
      RunRepository runs,
      RunService service,
      Instances instances,
      OutboxRelay<Run> relay,
      Clock clock,
      Duration settle,
      Duration missingGrace) {
    this.runs = runs;
    this.service = service;
    this.instances = instances;
    this.relay = relay;
    this.clock = clock;
    this.settle = settle;
    this.missingGrace = missingGrace;
  }

  /**
   * What one pass found and did.
   *
   * @param instancesSeen VMs labelled {@code mlcp-run}
   * @param activeRuns runs in the active index
   * @param actions one line per action, e.g. {@code deleted run-x: run ended}
   * @param failures actions that failed (retried by the next pass)
   * @param eventsRepublished outbox events published by this pass
   */
  public record Report(
      int instancesSeen,
      int activeRuns,
      List<String> actions,
      int failures,
      int eventsRepublished) {}

  /** One pass. */
  public Report reconcile() {
    Instant now = clock.instant();
    List<String> actions = new ArrayList<>();
    int[] failures = {0};
    List<Instance> vms;
    try (var listed = instances.listAll(InstanceFilter.hasLabel(InstancePlan.RUN_LABEL))) {
      vms = listed.toList();
    }
    List<String> activeIds = runs.activeIds().toList();
    Set<String> ids = new HashSet<>(activeIds);
    vms.forEach(vm -> ids.add(vm.labels().get(InstancePlan.RUN_LABEL)));
    Map<String, Run> found = new HashMap<>();
    for (Run run : runs.findAll(List.copyOf(ids))) {
      found.put(run.id(), run);
    }

    Set<String> runsWithVm = new HashSet<>();
    for (Instance vm : vms) {
      Run run = found.get(vm.labels().get(InstancePlan.RUN_LABEL));
      isolated(vm.name(), actions, failures, () -> judge(vm, run, now, actions));
      if (run != null && vm.name().equals(run.instance())) {
        runsWithVm.add(run.id());
      }
    }
    for (String id : activeIds) {
      Run run = found.get(id);
      if (run == null || run.state().terminal() || runsWithVm.contains(id)) {
        if (run != null && run.missingSince() != null && runsWithVm.contains(id)) {
          isolated(id, actions, failures, () -> runs.update(id, Run::present));
        }
        continue;
      }
      isolated(id, actions, failures, () -> missing(run, now, actions));
    }
    for (String id : runs.followUpIds().toList()) {
      isolated(
          id,
          actions,
          failures,
          () ->
              runs.find(id)
                  .filter(Run::followUpsPending)
                  .ifPresent(
                      r -> {
                        service.startFollowUps(r);
                        actions.add("submitted follow-ups of " + id);
                      }));
    }
    OutboxRelay.Report outbox = relay.drainAll();
    failures[0] += outbox.failed();
    if (outbox.published() > 0) {
      actions.add(
          "republished " + outbox.published() + " events of " + outbox.documents() + " runs");
    }
    if (!actions.isEmpty() || failures[0] > 0) {
      LOG.infof(
          "reconcile: %d VMs, %d active runs, %d actions, %d failures, first: %s",
          vms.size(),
          activeIds.size(),
          actions.size(),
          failures[0],
          actions.subList(0, Math.min(20, actions.size())));
    }
    return new Report(vms.size(), activeIds.size(), actions, failures[0], outbox.published());
  }

  private void isolated(String what, List<String> actions, int[] failures, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      failures[0]++;
      actions.add("failed on " + what + ": " + e);
      LOG.warnf(e, "reconcile: %s failed; the next pass retries", what);
    }
  }

  private void judge(Instance vm, Run run, Instant now, List<String> actions) {
    if (run == null) {
      delete(vm, "no such run", actions);
      return;
    }
    if (run.state().terminal()) {
      delete(vm, "run " + run.state().name().toLowerCase(java.util.Locale.ROOT), actions);
      return;
    }
    if (!vm.name().equals(run.instance())) {
      if (settled(run, now)) {
        delete(vm, "not the VM of the run's current attempt " + run.attempt(), actions);
      }
      return;
    }
    if (now.isAfter(run.deadline())) {
      service.fail(
          run.id(),
          null,
          "exceeded its time limit of " + limitText(run) + " without reporting completion");
      actions.add("failed " + run.id() + ": past deadline");
      return;
    }
    if (run.state() == RunState.PROVISIONING) {
      service.adopt(run, vm);
      actions.add("adopted " + vm.name() + " for " + run.id());
      return;
    }
    if (vm.status() == InstanceStatus.TERMINATED || vm.status() == InstanceStatus.STOPPED) {
      if (run.spot()) {
        service.preempted(run.id(), vm.name(), "Spot VM " + vm.name() + " was preempted");
        actions.add("preempted " + run.id());
      } else if (settled(run, now)) {
        service.fail(run.id(), null, "VM " + vm.name() + " stopped before reporting completion");
        actions.add("failed " + run.id() + ": VM stopped");
      }
    }
  }

  private void missing(Run run, Instant now, List<String> actions) {
    if (!settled(run, now)) {
      return;
    }
    switch (run.state()) {
      case QUEUED, RETRYING -> {
        service.provision(run.id());
        actions.add("provisioned " + run.id());
      }
      case PROVISIONING -> {
        service.resumeProvisioning(run);
        actions.add("resumed provisioning of " + run.id());
      }
      case RUNNING, PREEMPTED -> {
        if (service.completeFromRecord(run).isPresent()) {
          actions.add("completed " + run.id() + " from its completion record");
          return;
        }
        if (run.missingSince() == null) {
          runs.update(run.id(), r -> r.noticeMissing(now));
          actions.add("noticed " + run.id() + " has no VM");
        } else if (!now.isBefore(run.missingSince().plus(missingGrace))) {
          if (run.spot() && run.state() != RunState.PREEMPTED) {
            service.preempted(run.id(), null, "Spot VM " + run.instance() + " disappeared");
            actions.add("preempted " + run.id() + ": VM disappeared");
          } else {
            service.fail(
                run.id(),
                null,
                "VM " + run.instance() + " disappeared without reporting completion");
            actions.add("failed " + run.id() + ": VM disappeared");
          }
        }
      }
      default -> {}
    }
  }

  private boolean settled(Run run, Instant now) {
    return run.updatedAt().plus(settle).isBefore(now);
  }

  private void delete(Instance vm, String why, List<String> actions) {
    try {
      instances.requestDelete(vm.zone(), vm.name());
      actions.add("deleted " + vm.name() + ": " + why);
    } catch (PlatformException e) {
      actions.add("delete of " + vm.name() + " failed (" + e.kind() + "), next pass retries");
    }
  }

  private static String limitText(Run run) {
    return Duration.between(run.createdAt(), run.deadline())
        .toString()
        .substring(2)
        .toLowerCase(java.util.Locale.ROOT);
  }
}
