package dev.mlcp.training.runs;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Compute Engine as the service sees it through the port, in memory, with the GCE behaviours the
 * lifecycle depends on: zone fallback on stockout, quota failures, idempotent delete, status
 * changes (preemption). It records every call so tests can count them.
 */
final class FakeInstances implements Instances {
  final Map<String, Instance> vms = new ConcurrentSkipListMap<>();
  final Map<String, InstanceSpec> specs = new ConcurrentHashMap<>();
  final List<String> deleteCalls = new CopyOnWriteArrayList<>();
  final AtomicInteger createCalls = new AtomicInteger();
  final Set<String> exhaustedZones = ConcurrentHashMap.newKeySet();
  volatile PlatformException createFailure;

  /** Fails the create after making the VM (a timeout while polling the insert operation). */
  volatile PlatformException createFailureAfterInsert;

  /** How long a waiting {@link #delete} takes (GCE's delete operation). */
  volatile Duration deleteOperation = Duration.ZERO;

  final List<String> requestedDeletes = new CopyOnWriteArrayList<>();

  /** VMs whose deletion throws an unexpected exception (a bug, a broken client). */
  final Set<String> deleteExplodes = ConcurrentHashMap.newKeySet();

  @Override
  public Instance create(InstanceSpec spec) {
    createCalls.incrementAndGet();
    if (createFailure != null) {
      throw createFailure;
    }
    if (vms.containsKey(spec.name())) {
      throw PlatformException.alreadyExists("instance " + spec.name());
    }
    for (String zone : spec.zones()) {
      if (exhaustedZones.contains(zone)) {
        continue;
      }
      Instance vm =
          new Instance(
              spec.name(),
              zone,
              InstanceStatus.RUNNING,
              spec.machineType(),
              spec.spot(),
              spec.labels(),
              "10.0.0.2",
              null,
              Instant.now());
      vms.put(spec.name(), vm);
      specs.put(spec.name(), spec);
      if (createFailureAfterInsert != null) {
        throw createFailureAfterInsert;
      }
      return vm;
    }
    throw new PlatformException(
        PlatformException.Kind.ZONE_EXHAUSTED,
        "ZONE_RESOURCE_POOL_EXHAUSTED",
        "The zone does not have enough resources available to fulfill the request.");
  }

  @Override
  public Optional<Instance> get(String zone, String name) {
    return Optional.ofNullable(vms.get(name)).filter(i -> i.zone().equals(zone));
  }

  @Override
  public Page<Instance> list(InstanceFilter filter, int pageSize, String pageToken) {
    List<Instance> page = new ArrayList<>();
    String next = null;
    for (Instance vm : vms.values()) {
      if (pageToken != null && vm.name().compareTo(pageToken) <= 0) {
        continue;
      }
      if (!filter.matches(vm.labels())) {
        continue;
      }
      if (page.size() == pageSize) {
        next = page.get(page.size() - 1).name();
        break;
      }
      page.add(vm);
    }
    return new Page<>(page, next);
  }

  @Override
  public boolean delete(String zone, String name) {
    deleteCalls.add(name);
    boolean existed = vms.remove(name) != null;
    try {
      Thread.sleep(deleteOperation.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return existed;
  }

  /** Like GCE: the delete is accepted at once and the VM goes away; nobody waits for it. */
  @Override
  public boolean requestDelete(String zone, String name) {
    if (deleteExplodes.contains(name)) {
      throw new IllegalStateException("delete of " + name + " exploded (test)");
    }
    requestedDeletes.add(name);
    deleteCalls.add(name);
    return vms.remove(name) != null;
  }

  @Override
  public void reset(String zone, String name) {}

  /** GCE stopped the VM (a Spot preemption with termination action STOP, or a crash). */
  void terminate(String name) {
    Instance vm = vms.get(name);
    vms.put(
        name,
        new Instance(
            vm.name(),
            vm.zone(),
            InstanceStatus.TERMINATED,
            vm.machineType(),
            vm.spot(),
            vm.labels(),
            vm.networkIp(),
            null,
            vm.created()));
  }
}
