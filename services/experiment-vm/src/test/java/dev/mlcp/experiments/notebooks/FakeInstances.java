package dev.mlcp.experiments.notebooks;

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
 * Compute Engine through the port, in memory, with what notebook VMs depend on: zone fall-through
 * on stockout, quota failures, stop/start, guest attributes, idempotent delete. It records calls so
 * tests can count them.
 */
public final class FakeInstances implements Instances {
  public final Map<String, Instance> vms = new ConcurrentSkipListMap<>();
  public final Map<String, InstanceSpec> specs = new ConcurrentHashMap<>();
  public final Map<String, Map<String, String>> guestAttributes = new ConcurrentHashMap<>();
  public final Set<String> exhaustedZones = ConcurrentHashMap.newKeySet();
  public final List<String> deletes = new CopyOnWriteArrayList<>();
  public final List<String> stops = new CopyOnWriteArrayList<>();
  public final List<String> starts = new CopyOnWriteArrayList<>();
  public final Map<String, Duration> startLimits = new ConcurrentHashMap<>();
  public final AtomicInteger listCalls = new AtomicInteger();
  public final AtomicInteger guestAttributeReads = new AtomicInteger();
  public final AtomicInteger createCalls = new AtomicInteger();
  public volatile PlatformException createFailure;
  public volatile PlatformException startFailure;
  public volatile boolean failAfterInsert;

  @Override
  public Instance create(InstanceSpec spec) {
    createCalls.incrementAndGet();
    if (createFailure != null) {
      throw createFailure;
    }
    for (String zone : spec.zones()) {
      if (exhaustedZones.contains(zone)) {
        continue;
      }
      if (vms.containsKey(spec.name())) {
        throw PlatformException.alreadyExists("instance " + spec.name());
      }
      Instance vm =
          new Instance(
              spec.name(),
              zone,
              InstanceStatus.RUNNING,
              spec.machineType(),
              spec.spot(),
              spec.labels(),
              "10.128.0.9",
              spec.externalIp() ? "34.1.2.3" : null,
              Instant.now());
      vms.put(spec.name(), vm);
      specs.put(spec.name(), spec);
      if (failAfterInsert) {
        throw new PlatformException(
            PlatformException.Kind.TRANSIENT, "OPERATION_TIMEOUT", "the insert did not finish");
      }
      return vm;
    }
    throw new PlatformException(
        PlatformException.Kind.ZONE_EXHAUSTED,
        "ZONE_RESOURCE_POOL_EXHAUSTED",
        "The zone does not have enough resources available to fulfill the request.");
  }

  /** Adds a VM as if made outside the service (or by an earlier incarnation). */
  public void put(String name, String zone, InstanceStatus status, Map<String, String> labels) {
    vms.put(
        name,
        new Instance(name, zone, status, "n1-standard-4", false, labels, "10.128.0.7", null, null));
  }

  /** Sets a VM's status, e.g. TERMINATED for one stopped from inside. */
  public void status(String name, InstanceStatus status) {
    Instance vm = vms.get(name);
    vms.put(
        name,
        new Instance(
            vm.name(),
            vm.zone(),
            status,
            vm.machineType(),
            vm.spot(),
            vm.labels(),
            vm.networkIp(),
            vm.externalIp(),
            vm.created()));
  }

  @Override
  public Optional<Instance> get(String zone, String name) {
    return Optional.ofNullable(vms.get(name)).filter(vm -> vm.zone().equals(zone));
  }

  @Override
  public Page<Instance> list(InstanceFilter filter, int pageSize, String pageToken) {
    listCalls.incrementAndGet();
    List<Instance> all =
        vms.values().stream()
            .filter(vm -> filter.matches(vm.labels()))
            .filter(vm -> pageToken == null || vm.name().compareTo(pageToken) > 0)
            .toList();
    List<Instance> page = new ArrayList<>(all.subList(0, Math.min(pageSize, all.size())));
    return new Page<>(page, all.size() > pageSize ? page.get(page.size() - 1).name() : null);
  }

  @Override
  public boolean delete(String zone, String name) {
    deletes.add(name + "@" + zone);
    guestAttributes.remove(name);
    return vms.remove(name) != null;
  }

  @Override
  public void reset(String zone, String name) {}

  @Override
  public boolean stop(String zone, String name) {
    stops.add(name);
    if (!vms.containsKey(name)) {
      return false;
    }
    status(name, InstanceStatus.TERMINATED);
    return true;
  }

  @Override
  public boolean start(String zone, String name, Duration maxRunDuration) {
    starts.add(name);
    if (startFailure != null) {
      throw startFailure;
    }
    if (!vms.containsKey(name)) {
      return false;
    }
    if (maxRunDuration != null) {
      startLimits.put(name, maxRunDuration);
    }
    status(name, InstanceStatus.RUNNING);
    return true;
  }

  @Override
  public Map<String, String> guestAttributes(String zone, String name, String namespace) {
    guestAttributeReads.incrementAndGet();
    Map<String, String> all = guestAttributes.getOrDefault(name, Map.of());
    return namespace.equals("mlcp") ? Map.copyOf(all) : Map.of();
  }

  /** Makes the VM's agent have written this heartbeat. */
  public void heartbeat(String name, String json) {
    guestAttributes.put(name, Map.of("heartbeat", json));
  }
}
