package dev.mlcp.platform.instances.gcp;

import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.Autoscaler;
import com.google.cloud.compute.v1.AutoscalingPolicy;
import com.google.cloud.compute.v1.AutoscalingPolicyCpuUtilization;
import com.google.cloud.compute.v1.Backend;
import com.google.cloud.compute.v1.BackendService;
import com.google.cloud.compute.v1.BackendServiceGroupHealth;
import com.google.cloud.compute.v1.BackendServicesClient;
import com.google.cloud.compute.v1.DeleteBackendServiceRequest;
import com.google.cloud.compute.v1.DeleteHealthCheckRequest;
import com.google.cloud.compute.v1.DeleteInstanceTemplateRequest;
import com.google.cloud.compute.v1.DeleteRegionAutoscalerRequest;
import com.google.cloud.compute.v1.DeleteRegionInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.DeleteUrlMapRequest;
import com.google.cloud.compute.v1.GetHealthBackendServiceRequest;
import com.google.cloud.compute.v1.GetRegionInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.GetUrlMapRequest;
import com.google.cloud.compute.v1.HTTPHealthCheck;
import com.google.cloud.compute.v1.HealthCheck;
import com.google.cloud.compute.v1.HealthChecksClient;
import com.google.cloud.compute.v1.HealthStatus;
import com.google.cloud.compute.v1.HttpRouteAction;
import com.google.cloud.compute.v1.InsertBackendServiceRequest;
import com.google.cloud.compute.v1.InsertHealthCheckRequest;
import com.google.cloud.compute.v1.InsertInstanceTemplateRequest;
import com.google.cloud.compute.v1.InsertRegionAutoscalerRequest;
import com.google.cloud.compute.v1.InsertRegionInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.InsertUrlMapRequest;
import com.google.cloud.compute.v1.InstanceGroupManager;
import com.google.cloud.compute.v1.InstanceGroupManagerAutoHealingPolicy;
import com.google.cloud.compute.v1.InstanceProperties;
import com.google.cloud.compute.v1.InstanceTemplate;
import com.google.cloud.compute.v1.InstanceTemplatesClient;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.Metadata;
import com.google.cloud.compute.v1.NamedPort;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.RegionAutoscalersClient;
import com.google.cloud.compute.v1.RegionInstanceGroupManagersClient;
import com.google.cloud.compute.v1.ResourceGroupReference;
import com.google.cloud.compute.v1.UpdateUrlMapRequest;
import com.google.cloud.compute.v1.UrlMapsClient;
import com.google.cloud.compute.v1.WeightedBackendService;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.ComputeOperations;
import dev.mlcp.platform.gcp.NotFound;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.instances.Accelerator;
import dev.mlcp.platform.instances.ServingResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@link ServingResources} on Compute Engine: global instance templates, health checks, backend
 * services (EXTERNAL_MANAGED, so URL maps can split traffic by weight) and URL maps; regional
 * managed instance groups and autoscalers. Every mutation carries a request id (safe to retry) and
 * waits for its global or regional operation.
 */
public final class ComputeEngineServing implements ServingResources {

  /** The clients this adapter uses; all are closed with it. */
  public record Clients(
      InstanceTemplatesClient templates,
      RegionInstanceGroupManagersClient groups,
      RegionAutoscalersClient autoscalers,
      HealthChecksClient healthChecks,
      BackendServicesClient backendServices,
      UrlMapsClient urlMaps) {}

  private final String project;
  private final String region;
  private final Clients clients;
  private final ComputeOperations operations;
  private final Retrier retrier;

  /**
   * Creates the adapter.
   *
   * @param project project id
   * @param region region of the instance groups and autoscalers
   * @param clients Compute clients
   * @param operations operation poller (needs region and global operation clients)
   * @param retrier retry policy
   */
  public ComputeEngineServing(
      String project,
      String region,
      Clients clients,
      ComputeOperations operations,
      Retrier retrier) {
    this.project = project;
    this.region = region;
    this.clients = clients;
    this.operations = operations;
    this.retrier = retrier;
  }

  private static String requestId() {
    return UUID.randomUUID().toString();
  }

  private void global(String what, Supplier<Operation> call) {
    operations.awaitGlobal(what, retrier.call(what, true, call));
  }

  private void regional(String what, Supplier<Operation> call) {
    operations.awaitRegional(what, region, retrier.call(what, true, call));
  }

  private boolean deleting(String what, Runnable call) {
    return NotFound.deleted(call);
  }

  @Override
  public void createTemplate(TemplateSpec spec) {
    Metadata.Builder metadata = Metadata.newBuilder();
    new TreeMap<>(spec.metadata())
        .forEach((k, v) -> metadata.addItems(Items.newBuilder().setKey(k).setValue(v)));
    InstanceProperties.Builder properties =
        InstanceProperties.newBuilder()
            .setMachineType(spec.machineType())
            .putAllLabels(spec.labels())
            .setMetadata(metadata)
            .addNetworkInterfaces(
                NetworkInterface.newBuilder().setNetwork("global/networks/default"))
            .addDisks(
                AttachedDisk.newBuilder()
                    .setBoot(true)
                    .setAutoDelete(true)
                    .setType("PERSISTENT")
                    .setInitializeParams(
                        AttachedDiskInitializeParams.newBuilder()
                            .setSourceImage(spec.bootDisk().image())
                            .setDiskSizeGb(spec.bootDisk().sizeGb())
                            .setDiskType(spec.bootDisk().diskType())));
    for (Accelerator a : spec.accelerators()) {
      properties.addGuestAccelerators(
          com.google.cloud.compute.v1.AcceleratorConfig.newBuilder()
              .setAcceleratorType(a.type())
              .setAcceleratorCount(a.count()));
    }
    if (spec.serviceAccount() != null) {
      properties.addServiceAccounts(
          com.google.cloud.compute.v1.ServiceAccount.newBuilder()
              .setEmail(spec.serviceAccount().email())
              .addAllScopes(spec.serviceAccount().scopes()));
    }
    InsertInstanceTemplateRequest request =
        InsertInstanceTemplateRequest.newBuilder()
            .setProject(project)
            .setRequestId(requestId())
            .setInstanceTemplateResource(
                InstanceTemplate.newBuilder().setName(spec.name()).setProperties(properties))
            .build();
    global(
        "create instance template " + spec.name(),
        () -> clients.templates().insertCallable().call(request));
  }

  @Override
  public boolean deleteTemplate(String name) {
    DeleteInstanceTemplateRequest request =
        DeleteInstanceTemplateRequest.newBuilder()
            .setProject(project)
            .setInstanceTemplate(name)
            .setRequestId(requestId())
            .build();
    return deleting(
        name,
        () ->
            global(
                "delete instance template " + name,
                () -> clients.templates().deleteCallable().call(request)));
  }

  @Override
  public void createHealthCheck(HealthCheckSpec spec) {
    InsertHealthCheckRequest request =
        InsertHealthCheckRequest.newBuilder()
            .setProject(project)
            .setRequestId(requestId())
            .setHealthCheckResource(
                HealthCheck.newBuilder()
                    .setName(spec.name())
                    .setType("HTTP")
                    .setCheckIntervalSec(spec.intervalSeconds())
                    .setTimeoutSec(Math.max(1, Math.min(spec.intervalSeconds(), 5)))
                    .setHttpHealthCheck(
                        HTTPHealthCheck.newBuilder()
                            .setPort(spec.port())
                            .setRequestPath(spec.requestPath())))
            .build();
    global(
        "create health check " + spec.name(),
        () -> clients.healthChecks().insertCallable().call(request));
  }

  @Override
  public boolean deleteHealthCheck(String name) {
    DeleteHealthCheckRequest request =
        DeleteHealthCheckRequest.newBuilder()
            .setProject(project)
            .setHealthCheck(name)
            .setRequestId(requestId())
            .build();
    return deleting(
        name,
        () ->
            global(
                "delete health check " + name,
                () -> clients.healthChecks().deleteCallable().call(request)));
  }

  @Override
  public void createGroup(GroupSpec spec) {
    InstanceGroupManager.Builder group =
        InstanceGroupManager.newBuilder()
            .setName(spec.name())
            .setBaseInstanceName(spec.baseInstanceName())
            .setInstanceTemplate("global/instanceTemplates/" + spec.template())
            .setTargetSize(spec.targetSize())
            .addNamedPorts(NamedPort.newBuilder().setName(spec.portName()).setPort(spec.port()));
    if (spec.autohealingHealthCheck() != null) {
      group.addAutoHealingPolicies(
          InstanceGroupManagerAutoHealingPolicy.newBuilder()
              .setHealthCheck("global/healthChecks/" + spec.autohealingHealthCheck())
              .setInitialDelaySec(300));
    }
    InsertRegionInstanceGroupManagerRequest request =
        InsertRegionInstanceGroupManagerRequest.newBuilder()
            .setProject(project)
            .setRegion(region)
            .setRequestId(requestId())
            .setInstanceGroupManagerResource(group)
            .build();
    regional(
        "create instance group " + spec.name(),
        () -> clients.groups().insertCallable().call(request));
  }

  @Override
  public Optional<Group> getGroup(String name) {
    GetRegionInstanceGroupManagerRequest request =
        GetRegionInstanceGroupManagerRequest.newBuilder()
            .setProject(project)
            .setRegion(region)
            .setInstanceGroupManager(name)
            .build();
    return NotFound.orEmpty(
            () ->
                retrier.call(
                    "get instance group " + name,
                    true,
                    () -> clients.groups().getCallable().call(request)))
        .map(
            group -> {
              String template = group.getInstanceTemplate();
              return new Group(
                  name, template.substring(template.lastIndexOf('/') + 1), group.getTargetSize());
            });
  }

  @Override
  public boolean deleteGroup(String name) {
    DeleteRegionInstanceGroupManagerRequest request =
        DeleteRegionInstanceGroupManagerRequest.newBuilder()
            .setProject(project)
            .setRegion(region)
            .setInstanceGroupManager(name)
            .setRequestId(requestId())
            .build();
    return deleting(
        name,
        () ->
            regional(
                "delete instance group " + name,
                () -> clients.groups().deleteCallable().call(request)));
  }

  @Override
  public void createAutoscaler(AutoscalerSpec spec) {
    InsertRegionAutoscalerRequest request =
        InsertRegionAutoscalerRequest.newBuilder()
            .setProject(project)
            .setRegion(region)
            .setRequestId(requestId())
            .setAutoscalerResource(
                Autoscaler.newBuilder()
                    .setName(spec.name())
                    .setTarget("regions/" + region + "/instanceGroupManagers/" + spec.group())
                    .setAutoscalingPolicy(
                        AutoscalingPolicy.newBuilder()
                            .setMinNumReplicas(spec.minReplicas())
                            .setMaxNumReplicas(spec.maxReplicas())
                            .setCoolDownPeriodSec(60)
                            .setCpuUtilization(
                                AutoscalingPolicyCpuUtilization.newBuilder()
                                    .setUtilizationTarget(spec.cpuTarget()))))
            .build();
    regional(
        "create autoscaler " + spec.name(),
        () -> clients.autoscalers().insertCallable().call(request));
  }

  @Override
  public boolean deleteAutoscaler(String name) {
    DeleteRegionAutoscalerRequest request =
        DeleteRegionAutoscalerRequest.newBuilder()
            .setProject(project)
            .setRegion(region)
            .setAutoscaler(name)
            .setRequestId(requestId())
            .build();
    return deleting(
        name,
        () ->
            regional(
                "delete autoscaler " + name,
                () -> clients.autoscalers().deleteCallable().call(request)));
  }

  @Override
  public void createBackendService(BackendServiceSpec spec) {
    BackendService.Builder service =
        BackendService.newBuilder()
            .setName(spec.name())
            .setProtocol("HTTP")
            .setPortName(spec.portName())
            .setLoadBalancingScheme("EXTERNAL_MANAGED")
            .addHealthChecks("global/healthChecks/" + spec.healthCheck());
    for (String group : spec.groups()) {
      service.addBackends(
          Backend.newBuilder()
              .setGroup("regions/" + region + "/instanceGroups/" + group)
              .setBalancingMode("UTILIZATION")
              .setCapacityScaler(1.0f));
    }
    InsertBackendServiceRequest request =
        InsertBackendServiceRequest.newBuilder()
            .setProject(project)
            .setRequestId(requestId())
            .setBackendServiceResource(service)
            .build();
    global(
        "create backend service " + spec.name(),
        () -> clients.backendServices().insertCallable().call(request));
  }

  @Override
  public boolean deleteBackendService(String name) {
    DeleteBackendServiceRequest request =
        DeleteBackendServiceRequest.newBuilder()
            .setProject(project)
            .setBackendService(name)
            .setRequestId(requestId())
            .build();
    return deleting(
        name,
        () ->
            global(
                "delete backend service " + name,
                () -> clients.backendServices().deleteCallable().call(request)));
  }

  @Override
  public List<InstanceHealth> backendHealth(String backendService, String group) {
    GetHealthBackendServiceRequest request =
        GetHealthBackendServiceRequest.newBuilder()
            .setProject(project)
            .setBackendService(backendService)
            .setResourceGroupReferenceResource(
                ResourceGroupReference.newBuilder()
                    .setGroup("regions/" + region + "/instanceGroups/" + group))
            .build();
    BackendServiceGroupHealth health =
        retrier.call(
            "get health of " + backendService,
            true,
            () -> clients.backendServices().getHealthCallable().call(request));
    List<InstanceHealth> out = new ArrayList<>();
    for (HealthStatus status : health.getHealthStatusList()) {
      String instance = status.getInstance();
      out.add(
          new InstanceHealth(
              instance.substring(instance.lastIndexOf('/') + 1),
              "HEALTHY".equals(status.getHealthState())));
    }
    return out;
  }

  @Override
  public UrlMap createUrlMap(String name, List<WeightedBackend> backends) {
    InsertUrlMapRequest request =
        InsertUrlMapRequest.newBuilder()
            .setProject(project)
            .setRequestId(requestId())
            .setUrlMapResource(
                com.google.cloud.compute.v1.UrlMap.newBuilder()
                    .setName(name)
                    .setDefaultRouteAction(route(backends)))
            .build();
    global("create URL map " + name, () -> clients.urlMaps().insertCallable().call(request));
    return getUrlMap(name)
        .orElseThrow(() -> PlatformException.notFound("URL map " + name + " after creation"));
  }

  @Override
  public Optional<UrlMap> getUrlMap(String name) {
    return getRaw(name).map(ComputeEngineServing::toUrlMap);
  }

  @Override
  public UrlMap updateUrlMap(String name, List<WeightedBackend> backends, String fingerprint) {
    com.google.cloud.compute.v1.UrlMap current =
        getRaw(name).orElseThrow(() -> PlatformException.notFound("URL map " + name));
    // The caller's fingerprint, not the one just read: GCE rejects the update (412) if the map
    // changed since the caller read it.
    com.google.cloud.compute.v1.UrlMap updated =
        current.toBuilder()
            .setFingerprint(fingerprint)
            .setDefaultRouteAction(route(backends))
            .build();
    UpdateUrlMapRequest request =
        UpdateUrlMapRequest.newBuilder()
            .setProject(project)
            .setUrlMap(name)
            .setRequestId(requestId())
            .setUrlMapResource(updated)
            .build();
    global("update URL map " + name, () -> clients.urlMaps().updateCallable().call(request));
    return getUrlMap(name).orElseThrow(() -> PlatformException.notFound("URL map " + name));
  }

  @Override
  public boolean deleteUrlMap(String name) {
    DeleteUrlMapRequest request =
        DeleteUrlMapRequest.newBuilder()
            .setProject(project)
            .setUrlMap(name)
            .setRequestId(requestId())
            .build();
    return deleting(
        name,
        () ->
            global(
                "delete URL map " + name, () -> clients.urlMaps().deleteCallable().call(request)));
  }

  @Override
  public void close() {
    clients.templates().close();
    clients.groups().close();
    clients.autoscalers().close();
    clients.healthChecks().close();
    clients.backendServices().close();
    clients.urlMaps().close();
    operations.close();
  }

  private Optional<com.google.cloud.compute.v1.UrlMap> getRaw(String name) {
    GetUrlMapRequest request =
        GetUrlMapRequest.newBuilder().setProject(project).setUrlMap(name).build();
    return NotFound.orEmpty(
        () ->
            retrier.call(
                "get URL map " + name, true, () -> clients.urlMaps().getCallable().call(request)));
  }

  private static HttpRouteAction route(List<WeightedBackend> backends) {
    HttpRouteAction.Builder route = HttpRouteAction.newBuilder();
    for (WeightedBackend b : backends) {
      route.addWeightedBackendServices(
          WeightedBackendService.newBuilder()
              .setBackendService("global/backendServices/" + b.backendService())
              .setWeight(b.weight()));
    }
    return route.build();
  }

  private static UrlMap toUrlMap(com.google.cloud.compute.v1.UrlMap map) {
    List<WeightedBackend> backends = new ArrayList<>();
    for (WeightedBackendService w : map.getDefaultRouteAction().getWeightedBackendServicesList()) {
      String service = w.getBackendService();
      backends.add(
          new WeightedBackend(service.substring(service.lastIndexOf('/') + 1), w.getWeight()));
    }
    if (backends.isEmpty() && !map.getDefaultService().isEmpty()) {
      String service = map.getDefaultService();
      backends.add(new WeightedBackend(service.substring(service.lastIndexOf('/') + 1), 100));
    }
    return new UrlMap(map.getName(), backends, map.getFingerprint());
  }
}
