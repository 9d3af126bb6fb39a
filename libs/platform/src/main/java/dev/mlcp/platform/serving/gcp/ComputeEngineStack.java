package dev.mlcp.platform.serving.gcp;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.NotFound;
import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.ServiceAccount;
import dev.mlcp.platform.instances.ServingResources;
import dev.mlcp.platform.instances.ServingResources.WeightedBackend;
import dev.mlcp.platform.serving.ServingNames;
import dev.mlcp.platform.serving.ServingStack;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link ServingStack} on Compute Engine, built from {@link ServingResources} (the Compute calls):
 * per revision an instance template (the VM agent in serving mode, the model URI and digest in
 * metadata), a health check, a regional managed instance group autohealed by it, an autoscaler on
 * CPU and a backend service; per service one URL map whose weighted backend services split the
 * traffic. A create that answers ALREADY_EXISTS is a step done by an earlier attempt (names are
 * deterministic); deletes run in dependency order and skip what is gone.
 */
public final class ComputeEngineStack implements ServingStack {

  /**
   * How instances are built.
   *
   * @param bootImage boot image of serving VMs (docker, curl, python3)
   * @param bootDiskGb boot disk size
   * @param serviceAccount default identity of serving VMs (read the model bucket, write logs)
   * @param healthCheckIntervalSeconds seconds between probes
   * @param baseUrl the load balancer's address, shown as the service URL (may be null)
   */
  public record Settings(
      String bootImage,
      long bootDiskGb,
      String serviceAccount,
      int healthCheckIntervalSeconds,
      String baseUrl) {}

  private static final String PORT_NAME = "http";
  private static final List<String> SCOPES =
      List.of("https://www.googleapis.com/auth/cloud-platform");
  private static final int MAX_FINGERPRINT_RETRIES = 5;

  private final ServingResources resources;
  private final Settings settings;

  /** A stack over {@code resources} (which it closes). */
  public ComputeEngineStack(ServingResources resources, Settings settings) {
    this.resources = resources;
    this.settings = settings;
  }

  @Override
  public Target target() {
    return Target.GCE;
  }

  @Override
  public void ensureRevision(RevisionSpec spec, Consumer<String> progress) {
    String s = spec.service();
    String r = spec.revision();
    try {
      create(
          () ->
              resources.createTemplate(
                  new ServingResources.TemplateSpec(
                      ServingNames.template(s, r),
                      spec.machineType(),
                      List.of(),
                      new BootDisk(settings.bootImage(), settings.bootDiskGb(), "pd-balanced"),
                      labels(spec),
                      spec.servingMetadata(),
                      serviceAccount(spec))),
          "template-created",
          progress);
      create(
          () ->
              resources.createHealthCheck(
                  new ServingResources.HealthCheckSpec(
                      ServingNames.healthCheck(s, r),
                      spec.port(),
                      spec.healthPath(),
                      settings.healthCheckIntervalSeconds())),
          "health-check-created",
          progress);
      create(
          () ->
              resources.createGroup(
                  new ServingResources.GroupSpec(
                      ServingNames.group(s, r),
                      ServingNames.template(s, r),
                      s + "-" + r,
                      spec.minReplicas(),
                      PORT_NAME,
                      spec.port(),
                      ServingNames.healthCheck(s, r))),
          "instance-group-created",
          progress);
      create(
          () ->
              resources.createAutoscaler(
                  new ServingResources.AutoscalerSpec(
                      ServingNames.autoscaler(s, r),
                      ServingNames.group(s, r),
                      spec.minReplicas(),
                      spec.maxReplicas(),
                      spec.cpuTarget())),
          "autoscaler-created",
          progress);
      create(
          () ->
              resources.createBackendService(
                  new ServingResources.BackendServiceSpec(
                      ServingNames.backendService(s, r),
                      ServingNames.healthCheck(s, r),
                      PORT_NAME,
                      List.of(ServingNames.group(s, r)))),
          "backend-service-created",
          progress);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.TRANSIENT) {
        // Quota, permission or a refused spec: a retry would fail the same way, so nothing of the
        // revision is left behind. A transient failure keeps what exists for the next attempt.
        try {
          deleteParts(s, r, step -> {});
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  private static void create(Runnable call, String step, Consumer<String> progress) {
    try {
      call.run();
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
    }
    progress.accept(step);
  }

  private ServiceAccount serviceAccount(RevisionSpec spec) {
    String email =
        spec.serviceAccount() != null ? spec.serviceAccount() : settings.serviceAccount();
    return email == null ? null : new ServiceAccount(email, SCOPES);
  }

  private static Map<String, String> labels(RevisionSpec spec) {
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    labels.put("mlcp-service", spec.service());
    labels.put("mlcp-revision", spec.revision());
    return labels;
  }

  @Override
  public RevisionHealth revisionHealth(String service, String revision) {
    String group = ServingNames.group(service, revision);
    if (resources.getGroup(group).isEmpty()) {
      return new RevisionHealth(false, 0, 0, "instance group " + group + " does not exist");
    }
    Optional<List<ServingResources.InstanceHealth>> reported =
        NotFound.orEmpty(
            () -> resources.backendHealth(ServingNames.backendService(service, revision), group));
    if (reported.isEmpty()) {
      return new RevisionHealth(false, 0, 0, "backend service not created yet");
    }
    List<ServingResources.InstanceHealth> health = reported.get();
    int healthy = (int) health.stream().filter(ServingResources.InstanceHealth::healthy).count();
    String detail =
        health.isEmpty()
            ? "no instance reported by the load balancer yet"
            : healthy < health.size()
                ? (health.size() - healthy) + " of " + health.size() + " instances unhealthy"
                : null;
    return new RevisionHealth(true, health.size(), healthy, detail);
  }

  @Override
  public Traffic traffic(String service) {
    return resources
        .getUrlMap(ServingNames.urlMap(service))
        .map(m -> toTraffic(service, m))
        .orElse(new Traffic(Map.of(), null, settings.baseUrl()));
  }

  private Traffic toTraffic(String service, ServingResources.UrlMap map) {
    Map<String, Integer> percents = new LinkedHashMap<>();
    int total = map.backends().stream().mapToInt(WeightedBackend::weight).sum();
    for (WeightedBackend b : map.backends()) {
      String revision = ServingNames.revisionOfBackend(service, b.backendService());
      if (revision != null) {
        percents.put(revision, total == 0 ? 0 : (int) Math.round(b.weight() * 100.0 / total));
      }
    }
    return new Traffic(percents, map.fingerprint(), settings.baseUrl());
  }

  @Override
  public Traffic setTraffic(String service, Map<String, Integer> percents, String fingerprint) {
    ServingStack.checkPercents(percents);
    List<WeightedBackend> backends = new ArrayList<>();
    percents.forEach(
        (revision, percent) ->
            backends.add(
                new WeightedBackend(ServingNames.backendService(service, revision), percent)));
    String name = ServingNames.urlMap(service);
    if (fingerprint == null) {
      Optional<ServingResources.UrlMap> existing = resources.getUrlMap(name);
      if (existing.isEmpty()) {
        try {
          return toTraffic(service, resources.createUrlMap(name, backends));
        } catch (PlatformException e) {
          if (e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
            throw e;
          }
        }
      }
      throw PlatformException.conflict(
          "conditionNotMet", "URL map " + name + " exists; read its fingerprint and retry");
    }
    return toTraffic(service, resources.updateUrlMap(name, backends, fingerprint));
  }

  @Override
  public boolean deleteRevision(String service, String revision, Consumer<String> progress) {
    dropReference(service, revision, progress);
    return deleteParts(service, revision, progress);
  }

  /** Removes the revision's zero-weight entry from the URL map (re-read on a stale fingerprint). */
  private void dropReference(String service, String revision, Consumer<String> progress) {
    String name = ServingNames.urlMap(service);
    String backend = ServingNames.backendService(service, revision);
    for (int attempt = 0; ; attempt++) {
      Optional<ServingResources.UrlMap> map = resources.getUrlMap(name);
      if (map.isEmpty()) {
        return;
      }
      List<WeightedBackend> kept = new ArrayList<>();
      boolean referenced = false;
      for (WeightedBackend b : map.get().backends()) {
        if (b.backendService().equals(backend)) {
          referenced = true;
          if (b.weight() > 0) {
            throw PlatformException.conflict(
                "revisionServing",
                "revision "
                    + revision
                    + " of "
                    + service
                    + " still receives traffic; move its traffic away first");
          }
        } else {
          kept.add(b);
        }
      }
      if (!referenced) {
        return;
      }
      if (kept.isEmpty()) {
        throw PlatformException.conflict(
            "lastRevision",
            "revision " + revision + " is the only one in the URL map of " + service);
      }
      try {
        resources.updateUrlMap(name, kept, map.get().fingerprint());
        progress.accept("url-map-reference-removed");
        return;
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT || attempt >= MAX_FINGERPRINT_RETRIES) {
          throw e;
        }
      }
    }
  }

  /** Backend service → autoscaler → group → health check → template; absent parts are skipped. */
  private boolean deleteParts(String service, String revision, Consumer<String> progress) {
    boolean any = false;
    if (resources.deleteBackendService(ServingNames.backendService(service, revision))) {
      any = true;
      progress.accept("backend-service-deleted");
    }
    if (resources.deleteAutoscaler(ServingNames.autoscaler(service, revision))) {
      any = true;
      progress.accept("autoscaler-deleted");
    }
    if (resources.deleteGroup(ServingNames.group(service, revision))) {
      any = true;
      progress.accept("instance-group-deleted");
    }
    if (resources.deleteHealthCheck(ServingNames.healthCheck(service, revision))) {
      any = true;
      progress.accept("health-check-deleted");
    }
    if (resources.deleteTemplate(ServingNames.template(service, revision))) {
      any = true;
      progress.accept("template-deleted");
    }
    return any;
  }

  @Override
  public void close() {
    resources.close();
  }
}
