package dev.mlcp.platform.serving.gcp;

import com.google.api.gax.longrunning.OperationFuture;
import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.Container;
import com.google.cloud.run.v2.ContainerPort;
import com.google.cloud.run.v2.CreateServiceRequest;
import com.google.cloud.run.v2.DeleteRevisionRequest;
import com.google.cloud.run.v2.EnvVar;
import com.google.cloud.run.v2.GCSVolumeSource;
import com.google.cloud.run.v2.GetRevisionRequest;
import com.google.cloud.run.v2.GetServiceRequest;
import com.google.cloud.run.v2.HTTPGetAction;
import com.google.cloud.run.v2.Probe;
import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.RevisionScaling;
import com.google.cloud.run.v2.RevisionTemplate;
import com.google.cloud.run.v2.RevisionsClient;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.ServicesClient;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.TrafficTargetAllocationType;
import com.google.cloud.run.v2.UpdateServiceRequest;
import com.google.cloud.run.v2.Volume;
import com.google.cloud.run.v2.VolumeMount;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.GcpErrors;
import dev.mlcp.platform.gcp.NotFound;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.serving.ServingNames;
import dev.mlcp.platform.serving.ServingStack;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * {@link ServingStack} on Cloud Run (Admin API v2): a revision is a new template of the service
 * named {@code <service>-<revision>} and tagged with the revision id (so it has its own URL before
 * it gets traffic), added with 0 % beside the current split; traffic moves by percent with the
 * service's etag as the fingerprint. The model reaches the container as a read-only Cloud Storage
 * volume ({@code MLCP_MODEL_DIR}) with its manifest digest ({@code MLCP_MODEL_SHA256}), which the
 * model server checks at load.
 */
public final class CloudRunStack implements ServingStack {

  /** Where the model bucket is mounted in the container. */
  static final String MODEL_MOUNT = "/mnt/models";

  private final String project;
  private final String region;
  private final ServicesClient services;
  private final RevisionsClient revisions;
  private final Retrier retrier;

  /**
   * @param project project id
   * @param region Cloud Run region
   * @param services the Services client (closed with this)
   * @param revisions the Revisions client (closed with this)
   * @param retrier retries idempotent calls
   */
  public CloudRunStack(
      String project,
      String region,
      ServicesClient services,
      RevisionsClient revisions,
      Retrier retrier) {
    this.project = project;
    this.region = region;
    this.services = services;
    this.revisions = revisions;
    this.retrier = retrier;
  }

  @Override
  public Target target() {
    return Target.CLOUD_RUN;
  }

  private String serviceName(String service) {
    return "projects/" + project + "/locations/" + region + "/services/" + service;
  }

  private String revisionName(String service, String revision) {
    return serviceName(service) + "/revisions/" + ServingNames.runRevision(service, revision);
  }

  private Optional<Service> get(String service) {
    GetServiceRequest request =
        GetServiceRequest.newBuilder().setName(serviceName(service)).build();
    return NotFound.orEmpty(
        () ->
            retrier.call(
                "get Cloud Run service " + service,
                true,
                () -> services.getServiceCallable().call(request)));
  }

  @Override
  public void ensureRevision(RevisionSpec spec, Consumer<String> progress) {
    String runRevision = ServingNames.runRevision(spec.service(), spec.revision());
    Optional<Service> current = get(spec.service());
    if (current.isPresent() && hasRevision(current.get(), spec)) {
      progress.accept("revision-created");
      return;
    }
    RevisionTemplate template = template(spec, runRevision);
    if (current.isEmpty()) {
      Service service =
          Service.newBuilder()
              .setTemplate(template)
              .putAllLabels(spec.labels())
              .addTraffic(
                  TrafficTarget.newBuilder()
                      .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                      .setRevision(runRevision)
                      .setPercent(100)
                      .setTag(spec.revision()))
              .build();
      await(
          "create Cloud Run service " + spec.service(),
          services.createServiceAsync(
              CreateServiceRequest.newBuilder()
                  .setParent("projects/" + project + "/locations/" + region)
                  .setServiceId(spec.service())
                  .setService(service)
                  .build()));
    } else {
      Service s = current.get();
      List<TrafficTarget> traffic = new ArrayList<>(explicit(s));
      traffic.add(
          TrafficTarget.newBuilder()
              .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
              .setRevision(runRevision)
              .setPercent(0)
              .setTag(spec.revision())
              .build());
      update(
          "add revision " + runRevision,
          s.toBuilder().setTemplate(template).clearTraffic().addAllTraffic(traffic).build());
    }
    progress.accept("revision-created");
  }

  /** Whether the revision exists already (an earlier attempt created it). */
  private boolean hasRevision(Service service, RevisionSpec spec) {
    String runRevision = ServingNames.runRevision(spec.service(), spec.revision());
    if (service.getTemplate().getRevision().equals(runRevision)) {
      return true;
    }
    return service.getTrafficList().stream().anyMatch(t -> t.getRevision().equals(runRevision));
  }

  private static RevisionTemplate template(RevisionSpec spec, String runRevision) {
    String bucket = bucketOf(spec.modelUri());
    String prefix = spec.modelUri().substring(("gs://" + bucket + "/").length());
    Map<String, String> env = new TreeMap<>(spec.env());
    env.put("MLCP_MODEL_DIR", MODEL_MOUNT + "/" + prefix);
    env.put("MLCP_MODEL_URI", spec.modelUri());
    env.put("MLCP_MODEL_SHA256", spec.modelSha256());
    env.put("MLCP_REVISION", spec.revision());
    Container.Builder container =
        Container.newBuilder()
            .setImage(spec.image())
            .addPorts(ContainerPort.newBuilder().setContainerPort(spec.port()))
            .addVolumeMounts(VolumeMount.newBuilder().setName("model").setMountPath(MODEL_MOUNT))
            .setStartupProbe(
                Probe.newBuilder()
                    .setHttpGet(HTTPGetAction.newBuilder().setPath(spec.healthPath()))
                    .setPeriodSeconds(5)
                    .setFailureThreshold(24))
            .setLivenessProbe(
                Probe.newBuilder()
                    .setHttpGet(HTTPGetAction.newBuilder().setPath(spec.healthPath()))
                    .setPeriodSeconds(10));
    env.forEach((k, v) -> container.addEnv(EnvVar.newBuilder().setName(k).setValue(v)));
    RevisionTemplate.Builder t =
        RevisionTemplate.newBuilder()
            .setRevision(runRevision)
            .putAllLabels(spec.labels())
            .setScaling(
                RevisionScaling.newBuilder()
                    .setMinInstanceCount(spec.minReplicas())
                    .setMaxInstanceCount(spec.maxReplicas()))
            .addContainers(container)
            .addVolumes(
                Volume.newBuilder()
                    .setName("model")
                    .setGcs(GCSVolumeSource.newBuilder().setBucket(bucket).setReadOnly(true)));
    if (spec.serviceAccount() != null) {
      t.setServiceAccount(spec.serviceAccount());
    }
    return t.build();
  }

  private static String bucketOf(String uri) {
    if (uri == null || !uri.startsWith("gs://")) {
      throw PlatformException.invalid("model URI must be gs://BUCKET/PREFIX/, was " + uri);
    }
    String rest = uri.substring("gs://".length());
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  /** The split with every entry naming its revision (LATEST resolved to the latest ready one). */
  private static List<TrafficTarget> explicit(Service s) {
    List<TrafficTarget> out = new ArrayList<>();
    for (TrafficTarget t : s.getTrafficList()) {
      if (t.getType() == TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST) {
        String latest = s.getLatestReadyRevision();
        out.add(
            t.toBuilder()
                .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                .setRevision(latest.substring(latest.lastIndexOf('/') + 1))
                .build());
      } else {
        out.add(t);
      }
    }
    return out;
  }

  private void update(String what, Service service) {
    await(
        what,
        services.updateServiceAsync(UpdateServiceRequest.newBuilder().setService(service).build()));
  }

  private static <R> R await(String what, OperationFuture<R, ?> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw GcpErrors.classify(what, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "interrupted", "interrupted: " + what, e);
    } catch (RuntimeException e) {
      throw GcpErrors.classify(what, e);
    }
  }

  @Override
  public RevisionHealth revisionHealth(String service, String revision) {
    GetRevisionRequest request =
        GetRevisionRequest.newBuilder().setName(revisionName(service, revision)).build();
    Optional<Revision> found =
        NotFound.orEmpty(
            () ->
                retrier.call(
                    "get Cloud Run revision " + revision,
                    true,
                    () -> revisions.getRevisionCallable().call(request)));
    if (found.isEmpty()) {
      return new RevisionHealth(false, 0, 0, "revision does not exist");
    }
    for (Condition c : found.get().getConditionsList()) {
      if (c.getType().equals("Ready")) {
        return c.getState() == Condition.State.CONDITION_SUCCEEDED
            ? new RevisionHealth(true, 1, 1, null)
            : new RevisionHealth(
                true, 1, 0, "not ready: " + c.getState() + " " + c.getMessage().trim());
      }
    }
    return new RevisionHealth(true, 1, 0, "no Ready condition yet");
  }

  @Override
  public Traffic traffic(String service) {
    return get(service).map(s -> toTraffic(service, s)).orElse(new Traffic(Map.of(), null, null));
  }

  private static Traffic toTraffic(String service, Service s) {
    Map<String, Integer> percents = new LinkedHashMap<>();
    for (TrafficTarget t : explicit(s)) {
      String name = t.getRevision();
      String prefix = service + "-";
      String revision = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
      percents.merge(revision, t.getPercent(), Integer::sum);
    }
    return new Traffic(percents, s.getEtag(), s.getUri().isEmpty() ? null : s.getUri());
  }

  @Override
  public Traffic setTraffic(String service, Map<String, Integer> percents, String fingerprint) {
    ServingStack.checkPercents(percents);
    Service current =
        get(service)
            .orElseThrow(
                () ->
                    PlatformException.notFound("Cloud Run service " + service + " (deploy first)"));
    if (fingerprint == null || !fingerprint.equals(current.getEtag())) {
      throw PlatformException.conflict(
          "conditionNotMet",
          "Cloud Run service " + service + " changed since it was read (etag); re-read and retry");
    }
    update(
        "set traffic of " + service,
        current.toBuilder()
            .clearTraffic()
            .addAllTraffic(targets(service, percents))
            .setEtag(fingerprint)
            .build());
    return traffic(service);
  }

  private static List<TrafficTarget> targets(String service, Map<String, Integer> percents) {
    List<TrafficTarget> out = new ArrayList<>();
    percents.forEach(
        (revision, percent) ->
            out.add(
                TrafficTarget.newBuilder()
                    .setType(TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION)
                    .setRevision(ServingNames.runRevision(service, revision))
                    .setPercent(percent)
                    .setTag(revision)
                    .build()));
    return out;
  }

  @Override
  public boolean deleteRevision(String service, String revision, Consumer<String> progress) {
    Optional<Service> current = get(service);
    String runRevision = ServingNames.runRevision(service, revision);
    if (current.isPresent()) {
      Service s = current.get();
      List<TrafficTarget> kept = new ArrayList<>();
      boolean referenced = false;
      for (TrafficTarget t : explicit(s)) {
        if (t.getRevision().equals(runRevision)) {
          referenced = true;
          if (t.getPercent() > 0) {
            throw PlatformException.conflict(
                "revisionServing",
                "revision " + revision + " of " + service + " still receives traffic");
          }
        } else {
          kept.add(t);
        }
      }
      if (referenced) {
        update(
            "untag " + runRevision,
            s.toBuilder().clearTraffic().addAllTraffic(kept).setEtag(s.getEtag()).build());
        progress.accept("traffic-reference-removed");
      }
    }
    DeleteRevisionRequest request =
        DeleteRevisionRequest.newBuilder().setName(revisionName(service, revision)).build();
    if (!NotFound.deleted(
        () ->
            await(
                "delete Cloud Run revision " + runRevision,
                revisions.deleteRevisionAsync(request)))) {
      return false;
    }
    progress.accept("revision-deleted");
    return true;
  }

  @Override
  public void close() {
    services.close();
    revisions.close();
  }
}
