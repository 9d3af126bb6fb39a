package dev.mlcp.platform.instances;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Compute Engine resources of a load-balanced serving stack: instance templates, regional
 * managed instance groups with autoscalers, health checks, backend services and URL maps with
 * weighted backends (traffic splitting for canaries). Creates wait for their operations; deleting a
 * resource still referenced by another is a CONFLICT; a URL map update carries the fingerprint read
 * with it and a stale fingerprint is a CONFLICT.
 */
public interface ServingResources extends AutoCloseable {

  /**
   * An instance template.
   *
   * @param name template name
   * @param machineType machine type
   * @param accelerators GPUs
   * @param bootDisk boot disk
   * @param labels labels of the instances
   * @param metadata metadata of the instances (startup script, model URI)
   * @param serviceAccount identity of the instances, may be null
   */
  record TemplateSpec(
      String name,
      String machineType,
      List<Accelerator> accelerators,
      BootDisk bootDisk,
      Map<String, String> labels,
      Map<String, String> metadata,
      ServiceAccount serviceAccount) {
    /** Copies. */
    public TemplateSpec {
      accelerators = accelerators == null ? List.of() : List.copyOf(accelerators);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
  }

  /**
   * An HTTP health check.
   *
   * @param name health check name
   * @param port port probed
   * @param requestPath path probed, e.g. {@code /healthz}
   * @param intervalSeconds seconds between probes
   */
  record HealthCheckSpec(String name, int port, String requestPath, int intervalSeconds) {}

  /**
   * A regional managed instance group.
   *
   * @param name group name
   * @param template instance template name
   * @param baseInstanceName prefix of member names
   * @param targetSize number of instances
   * @param portName named port the backend service uses (e.g. {@code http})
   * @param port the named port's number
   * @param autohealingHealthCheck health check for autohealing, may be null
   */
  record GroupSpec(
      String name,
      String template,
      String baseInstanceName,
      int targetSize,
      String portName,
      int port,
      String autohealingHealthCheck) {}

  /**
   * A regional autoscaler on CPU utilisation.
   *
   * @param name autoscaler name
   * @param group managed instance group it scales
   * @param minReplicas lower bound
   * @param maxReplicas upper bound
   * @param cpuTarget target CPU utilisation, 0..1
   */
  record AutoscalerSpec(
      String name, String group, int minReplicas, int maxReplicas, double cpuTarget) {}

  /**
   * A global backend service over managed instance groups.
   *
   * @param name backend service name
   * @param healthCheck health check name
   * @param portName named port on the groups
   * @param groups instance group names (regional, in this adapter's region)
   */
  record BackendServiceSpec(String name, String healthCheck, String portName, List<String> groups) {
    /** Copies. */
    public BackendServiceSpec {
      groups = List.copyOf(groups);
    }
  }

  /**
   * A share of traffic.
   *
   * @param backendService backend service name
   * @param weight relative weight, 0..1000
   */
  record WeightedBackend(String backendService, int weight) {}

  /**
   * A URL map routing all paths to weighted backend services.
   *
   * @param name URL map name
   * @param backends the split
   * @param fingerprint the version read; pass it back to update
   */
  record UrlMap(String name, List<WeightedBackend> backends, String fingerprint) {
    /** Copies. */
    public UrlMap {
      backends = List.copyOf(backends);
    }
  }

  /**
   * Health of one backend instance.
   *
   * @param instance instance name
   * @param healthy whether the load balancer considers it healthy
   */
  record InstanceHealth(String instance, boolean healthy) {}

  /**
   * A managed instance group as it stands.
   *
   * @param name group name
   * @param template current template
   * @param targetSize target size
   */
  record Group(String name, String template, int targetSize) {}

  /** Creates an instance template. */
  void createTemplate(TemplateSpec spec);

  /** Deletes a template; false when it did not exist. */
  boolean deleteTemplate(String name);

  /** Creates a health check. */
  void createHealthCheck(HealthCheckSpec spec);

  /** Deletes a health check; false when it did not exist. */
  boolean deleteHealthCheck(String name);

  /** Creates a regional managed instance group. */
  void createGroup(GroupSpec spec);

  /** The group, empty when it does not exist. */
  Optional<Group> getGroup(String name);

  /** Deletes a group (and its instances); false when it did not exist. */
  boolean deleteGroup(String name);

  /** Creates an autoscaler for a group. */
  void createAutoscaler(AutoscalerSpec spec);

  /** Deletes an autoscaler; false when it did not exist. */
  boolean deleteAutoscaler(String name);

  /** Creates a backend service. */
  void createBackendService(BackendServiceSpec spec);

  /** Deletes a backend service; false when it did not exist. */
  boolean deleteBackendService(String name);

  /** Health of the instances of {@code group} behind {@code backendService}. */
  List<InstanceHealth> backendHealth(String backendService, String group);

  /** Creates a URL map sending all traffic to the weighted backends. */
  UrlMap createUrlMap(String name, List<WeightedBackend> backends);

  /** The URL map with its fingerprint, empty when it does not exist. */
  Optional<UrlMap> getUrlMap(String name);

  /**
   * Replaces the weighted backends if the map is still at {@code fingerprint}.
   *
   * @return the map after the update (new fingerprint)
   * @throws dev.mlcp.platform.PlatformException CONFLICT when the fingerprint is stale
   */
  UrlMap updateUrlMap(String name, List<WeightedBackend> backends, String fingerprint);

  /** Deletes a URL map; false when it did not exist. */
  boolean deleteUrlMap(String name);

  /** Releases clients; the default does nothing. */
  @Override
  default void close() {}
}
