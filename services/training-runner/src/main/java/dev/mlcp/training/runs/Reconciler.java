package dev.mlcp.training.runs;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * The fourth net under "no VM outlives its run" (after the completion event, the agent's
 * self-delete and {@code maxRunDuration}): compares the VMs labelled {@code mlcp-run} with the
 * active runs and repairs every difference. Every action goes through {@link RunService}'s
 * compare-and-set transitions or an idempotent delete, so two reconcilers running at once (or a
 * reconciler racing a completion) cannot double-act.
 */
public class Reconciler {
  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  private final RunRepository runs;
  private final RunService service;
  private final Instances instances;
  private final Clock clock;
  private final Duration settle;
  private final Duration missingGrace;

  /**
   * @param settle runs changed more recently than this are left alone (their VM may not be listed
   *     yet)
   * @param missingGrace how long a running run's VM may be missing before the run is judged: the
   *     agent deletes its VM after publishing, and the completion may still be on its way
   */
  public Reconciler(
      RunRepository runs,
      RunService service,
      Instances instances,
      Clock clock,
      Duration settle,
      Duration missingGrace) {
    this.runs = runs;
    this.service = service;
    this.instances = instances;
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
   */
  public record Report(int instancesSeen, int activeRuns, List<String> actions) {}

  /** Run documents read at once: on GCS each read is a round trip, so a pass reads in parallel. */
  static final int PARALLEL_READS = 32;

  /** One pass. */
  public Report reconcile() {
    Instant now = clock.instant();
    List<String> actions = new ArrayList<>();
    List<Instance> vms;
    try (var listed = instances.listAll(InstanceFilter.hasLabel(InstancePlan.RUN_LABEL))) {
      vms = listed.toList();
    }
    List<String> activeIds = runs.activeIds().toList();
    Set<String> ids = new HashSet<>(activeIds);
    vms.forEach(vm -> ids.add(vm.labels().get(InstancePlan.RUN_LABEL)));
    Map<String, Optional<Run>> found = readAll(ids);

    Set<String> runsWithVm = new HashSet<>();
    for (Instance vm : vms) {
      String runId = vm.labels().get(InstancePlan.RUN_LABEL);
      Optional<Run> run = found.get(runId);
      judge(vm, run, now, actions);
      if (run.isPresent() && vm.name().equals(run.get().instance())) {
        runsWithVm.add(runId);
      }
    }
    for (String id : activeIds) {
      Optional<Run> run = found.get(id);
      if (run.isEmpty()) {
        continue;
      }
      if (run.get().state().terminal()) {
        runs.deactivate(id);
        continue;
      }
      if (!runsWithVm.contains(id)) {
        missing(run.get(), now, actions);
      } else if (run.get().missingSince() != null) {
        runs.update(id, r -> r.missingSince() == null ? r : r.withMissingSince(null));
      }
    }
    if (!actions.isEmpty()) {
      LOG.infof(
          "reconcile: %d VMs, %d active runs, %d actions, first: %s",
          vms.size(),
          activeIds.size(),
          actions.size(),
          actions.subList(0, Math.min(20, actions.size())));
    }
    return new Report(vms.size(), activeIds.size(), actions);
  }

  private Map<String, Optional<Run>> readAll(Set<String> ids) {
    Map<String, Optional<Run>> found = new ConcurrentHashMap<>();
    if (ids.isEmpty()) {
      return found;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_READS, ids.size()));
    try {
      List<Future<?>> reads = new ArrayList<>();
      for (String id : ids) {
        reads.add(pool.submit(() -> found.put(id, runs.find(id))));
      }
      for (Future<?> read : reads) {
        read.get();
      }
      return found;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("reconcile interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private void judge(Instance vm, Optional<Run> found, Instant now, List<String> actions) {
    if (found.isEmpty()) {
      delete(vm, "no such run", actions);
      return;
    }
    Run run = found.get();
    if (run.state().terminal()) {
      delete(vm, "run " + run.state().name().toLowerCase(), actions);
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
      case PROVISIONING, RUNNING, PREEMPTED -> {
        if (run.missingSince() == null) {
          runs.update(
              run.id(),
              r -> r.missingSince() == null && !r.state().terminal() ? r.withMissingSince(now) : r);
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
      instances.delete(vm.zone(), vm.name());
      actions.add("deleted " + vm.name() + ": " + why);
    } catch (PlatformException e) {
      actions.add("delete of " + vm.name() + " failed (" + e.kind() + "), next pass retries");
    }
  }

  private static String limitText(Run run) {
    return Duration.between(run.createdAt(), run.deadline()).toString().substring(2).toLowerCase();
  }
}
