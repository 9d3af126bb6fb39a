package dev.mlcp.training.bench;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * In-memory VMs for benchmarks: no agent processes (a thousand local VMs would measure process
 * start-up, not the service), and the time of the first delete call per instance name, so a
 * benchmark can measure up to the moment the service asks for the VM to go.
 *
 * <p>A CDI alternative without priority: only the {@link BenchProfile} application selects it, so
 * every other test keeps the real local adapter.
 */
@Alternative
@Singleton
public class RecordingInstances implements Instances {
  final Map<String, Instance> vms = new ConcurrentSkipListMap<>();
  final Map<String, Long> deletedAtNanos = new ConcurrentHashMap<>();

  @Override
  public Instance create(InstanceSpec spec) {
    if (vms.containsKey(spec.name())) {
      throw PlatformException.alreadyExists("instance " + spec.name());
    }
    Instance vm =
        new Instance(
            spec.name(),
            spec.zones().get(0),
            InstanceStatus.RUNNING,
            spec.machineType(),
            spec.spot(),
            spec.labels(),
            "10.0.0.2",
            null,
            Instant.now());
    vms.put(spec.name(), vm);
    return vm;
  }

  @Override
  public Optional<Instance> get(String zone, String name) {
    return Optional.ofNullable(vms.get(name)).filter(i -> i.zone().equals(zone));
  }

  @Override
  public Page<Instance> list(InstanceFilter filter, int pageSize, String pageToken) {
    List<Instance> page = new ArrayList<>();
    Map<String, Instance> from =
        pageToken == null
            ? vms
            : ((ConcurrentSkipListMap<String, Instance>) vms).tailMap(pageToken, false);
    String next = null;
    for (Instance vm : from.values()) {
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
    deletedAtNanos.putIfAbsent(name, System.nanoTime());
    return vms.remove(name) != null;
  }

  @Override
  public void reset(String zone, String name) {}

  /** Puts a VM in the listing (a leaked or orphaned VM for the reconciler to find). */
  void put(Instance vm) {
    vms.put(vm.name(), vm);
  }
}
