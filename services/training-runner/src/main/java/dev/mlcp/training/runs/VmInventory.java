package dev.mlcp.training.runs;

import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The training VMs that exist right now (labelled {@code mlcp-run}), each with its run and whether
 * that run still owns it: what a team lead looks at to see money burning on a VM nobody owns. The
 * reconciler deletes such VMs on its next pass; this only reads (one page of the platform's list,
 * one batch read of the runs it names).
 */
public class VmInventory {
  private final Instances instances;
  private final RunRepository runs;
  private final Clock clock;

  public VmInventory(Instances instances, RunRepository runs, Clock clock) {
    this.instances = instances;
    this.runs = runs;
    this.clock = clock;
  }

  /**
   * A training VM and its owner.
   *
   * @param name instance name
   * @param zone its zone
   * @param status the platform's status
   * @param machineType machine type
   * @param spot whether it is a Spot VM
   * @param createdAt created at (null when the platform does not say)
   * @param runId the run its label names
   * @param runState that run's state, null when no such run exists
   * @param owner the run's owner, null when no such run exists
   * @param deadline the run's deadline
   * @param costSoFarUsd estimated compute cost since creation (list prices, {@link CostEstimator})
   * @param ownerLive whether a live run owns it: the run exists, has not ended, names this VM as
   *     its current attempt's and is within its deadline
   * @param why when not, why not (what the reconciler will say when it deletes it)
   */
  public record TrainingVm(
      String name,
      String zone,
      InstanceStatus status,
      String machineType,
      boolean spot,
      Instant createdAt,
      String runId,
      String runState,
      String owner,
      Instant deadline,
      double costSoFarUsd,
      boolean ownerLive,
      String why) {}

  /**
   * A page of training VMs.
   *
   * @param vms the VMs, in the platform's order
   * @param nextPageToken the platform's token for the next page, null on the last
   */
  public record Page(List<TrainingVm> vms, String nextPageToken) {}

  /** One page of the VMs labelled {@code mlcp-run}, joined with their runs. */
  public Page list(int pageSize, String pageToken) {
    Instant now = clock.instant();
    dev.mlcp.platform.Page<Instance> page =
        instances.list(InstanceFilter.hasLabel(InstancePlan.RUN_LABEL), pageSize, pageToken);
    List<String> ids =
        page.items().stream()
            .map(vm -> vm.labels().get(InstancePlan.RUN_LABEL))
            .filter(Objects::nonNull)
            .distinct()
            .toList();
    Map<String, Run> found = new HashMap<>();
    for (Run run : runs.findAll(ids)) {
      found.put(run.id(), run);
    }
    List<TrainingVm> vms =
        page.items().stream()
            .map(vm -> of(vm, found.get(vm.labels().get(InstancePlan.RUN_LABEL)), now))
            .toList();
    return new Page(vms, page.nextPageToken());
  }

  static TrainingVm of(Instance vm, Run run, Instant now) {
    String why = whyNotOwned(vm, run, now);
    double seconds =
        vm.created() == null || vm.status() != InstanceStatus.RUNNING
            ? 0
            : Math.max(0, Duration.between(vm.created(), now).toMillis() / 1000.0);
    double cost =
        CostEstimator.estimate(
            vm.machineType(),
            run == null ? null : run.spec().acceleratorType(),
            run == null ? 0 : run.spec().acceleratorCount(),
            vm.spot(),
            seconds);
    return new TrainingVm(
        vm.name(),
        vm.zone(),
        vm.status(),
        vm.machineType(),
        vm.spot(),
        vm.created(),
        vm.labels().get(InstancePlan.RUN_LABEL),
        run == null ? null : run.state().name(),
        run == null ? null : run.owner(),
        run == null ? null : run.deadline(),
        cost,
        why == null,
        why);
  }

  /** Null when a live run owns the VM; else the reason, in the reconciler's words. */
  static String whyNotOwned(Instance vm, Run run, Instant now) {
    if (run == null) {
      return "no such run";
    }
    if (run.state().terminal()) {
      return "run " + run.state().name().toLowerCase(Locale.ROOT);
    }
    if (!vm.name().equals(run.instance())) {
      return "not the VM of the run's current attempt " + run.attempt();
    }
    if (run.deadline() != null && now.isAfter(run.deadline())) {
      return "past the run's deadline";
    }
    return null;
  }
}
