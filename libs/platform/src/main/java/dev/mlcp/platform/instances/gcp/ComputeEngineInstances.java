package dev.mlcp.platform.instances.gcp;

import com.google.cloud.compute.v1.AcceleratorConfig;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.DeleteInstanceRequest;
import com.google.cloud.compute.v1.GetGuestAttributesInstanceRequest;
import com.google.cloud.compute.v1.GetInstanceRequest;
import com.google.cloud.compute.v1.GuestAttributes;
import com.google.cloud.compute.v1.GuestAttributesEntry;
import com.google.cloud.compute.v1.InsertInstanceRequest;
import com.google.cloud.compute.v1.InstanceAggregatedList;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesScopedList;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.Metadata;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.ResetInstanceRequest;
import com.google.cloud.compute.v1.Scheduling;
import com.google.cloud.compute.v1.ServiceAccount;
import com.google.cloud.compute.v1.SetSchedulingInstanceRequest;
import com.google.cloud.compute.v1.StartInstanceRequest;
import com.google.cloud.compute.v1.StopInstanceRequest;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.ComputeOperations;
import dev.mlcp.platform.gcp.NotFound;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.instances.Accelerator;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * {@link Instances} on Compute Engine. Reads are retried on transient errors; inserts carry a
 * request id so that repeating them is safe; every mutation's operation is polled to DONE and its
 * error classified. Creation falls through the spec's zones on a stockout.
 */
public final class ComputeEngineInstances implements Instances {

  private static final Logger LOG = Logger.getLogger(ComputeEngineInstances.class.getName());

  private final String project;
  private final InstancesClient client;
  private final ComputeOperations operations;
  private final Retrier retrier;

  /**
   * Creates the adapter; it owns (and closes) the clients.
   *
   * @param project project id
   * @param client the Compute instances client
   * @param operations the operation poller
   * @param retrier retry policy for idempotent calls
   */
  public ComputeEngineInstances(
      String project, InstancesClient client, ComputeOperations operations, Retrier retrier) {
    this.project = project;
    this.client = client;
    this.operations = operations;
    this.retrier = retrier;
  }

  @Override
  public Instance create(InstanceSpec spec) {
    PlatformException last = null;
    for (String zone : spec.zones()) {
      String what = "create instance " + spec.name() + " in " + zone;
      InsertInstanceRequest request =
          InsertInstanceRequest.newBuilder()
              .setProject(project)
              .setZone(zone)
              .setRequestId(UUID.randomUUID().toString())
              .setInstanceResource(toProto(spec, zone))
              .build();
      try {
        // Same request id on every attempt: GCE runs the insert at most once.
        Operation operation = retrier.call(what, true, () -> client.insertCallable().call(request));
        operations.awaitZonal(what, zone, operation);
        return get(zone, spec.name())
            .orElseThrow(
                () -> PlatformException.notFound("instance " + spec.name() + " after creation"));
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.ZONE_EXHAUSTED) {
          throw e;
        }
        LOG.info(() -> "zone " + zone + " exhausted for " + spec.name() + ": " + e.reason());
        last = e;
      }
    }
    throw last;
  }

  @Override
  public Optional<Instance> get(String zone, String name) {
    GetInstanceRequest request =
        GetInstanceRequest.newBuilder().setProject(project).setZone(zone).setInstance(name).build();
    return NotFound.orEmpty(
            () ->
                retrier.call(
                    "get instance " + name, true, () -> client.getCallable().call(request)))
        .map(ComputeEngineInstances::fromProto);
  }

  @Override
  public Page<Instance> list(InstanceFilter filter, int pageSize, String pageToken) {
    AggregatedListInstancesRequest.Builder request =
        AggregatedListInstancesRequest.newBuilder()
            .setProject(project)
            .setMaxResults(Math.min(500, Math.max(1, pageSize)))
            .setReturnPartialSuccess(true);
    String gceFilter = GceFilters.of(filter);
    if (!gceFilter.isEmpty()) {
      request.setFilter(gceFilter);
    }
    if (pageToken != null) {
      request.setPageToken(pageToken);
    }
    InstanceAggregatedList response =
        retrier.call(
            "list instances", true, () -> client.aggregatedListCallable().call(request.build()));
    List<Instance> items = new ArrayList<>();
    for (InstancesScopedList scoped : new TreeMap<>(response.getItemsMap()).values()) {
      for (com.google.cloud.compute.v1.Instance instance : scoped.getInstancesList()) {
        items.add(fromProto(instance));
      }
    }
    return new Page<>(items, response.getNextPageToken());
  }

  @Override
  public boolean delete(String zone, String name) {
    return delete(zone, name, true);
  }

  @Override
  public boolean requestDelete(String zone, String name) {
    return delete(zone, name, false);
  }

  /** Deletes, waiting for the operation to finish or only for it to be accepted. */
  private boolean delete(String zone, String name, boolean await) {
    String what = "delete instance " + name;
    DeleteInstanceRequest request =
        DeleteInstanceRequest.newBuilder()
            .setProject(project)
            .setZone(zone)
            .setInstance(name)
            .setRequestId(UUID.randomUUID().toString())
            .build();
    return NotFound.deleted(
        () -> {
          Operation operation =
              retrier.call(what, true, () -> client.deleteCallable().call(request));
          if (await) {
            operations.awaitZonal(what, zone, operation);
          } else {
            operations.failIfError(what, operation);
          }
        });
  }

  @Override
  public void reset(String zone, String name) {
    String what = "reset instance " + name;
    ResetInstanceRequest request =
        ResetInstanceRequest.newBuilder()
            .setProject(project)
            .setZone(zone)
            .setInstance(name)
            .setRequestId(UUID.randomUUID().toString())
            .build();
    Operation operation = retrier.call(what, true, () -> client.resetCallable().call(request));
    operations.awaitZonal(what, zone, operation);
  }

  @Override
  public boolean stop(String zone, String name) {
    String what = "stop instance " + name;
    StopInstanceRequest request =
        StopInstanceRequest.newBuilder()
            .setProject(project)
            .setZone(zone)
            .setInstance(name)
            .setRequestId(UUID.randomUUID().toString())
            .build();
    try {
      Operation operation = retrier.call(what, true, () -> client.stopCallable().call(request));
      operations.failIfError(what, operation);
      return true;
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public boolean start(String zone, String name, Duration maxRunDuration) {
    try {
      if (maxRunDuration != null) {
        setMaxRunDuration(zone, name, maxRunDuration);
      }
      String what = "start instance " + name;
      StartInstanceRequest request =
          StartInstanceRequest.newBuilder()
              .setProject(project)
              .setZone(zone)
              .setInstance(name)
              .setRequestId(UUID.randomUUID().toString())
              .build();
      Operation operation = retrier.call(what, true, () -> client.startCallable().call(request));
      operations.failIfError(what, operation);
      return true;
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /**
   * setScheduling replaces the whole scheduling block, so the instance's own (provisioning model,
   * host maintenance) is read first and only the limit and its action change. Waits for the
   * operation: the start must not begin before the new limit holds.
   */
  private void setMaxRunDuration(String zone, String name, Duration limit) {
    String what = "set the max run duration of " + name;
    com.google.cloud.compute.v1.Instance current =
        retrier.call(
            "get instance " + name,
            true,
            () ->
                client
                    .getCallable()
                    .call(
                        GetInstanceRequest.newBuilder()
                            .setProject(project)
                            .setZone(zone)
                            .setInstance(name)
                            .build()));
    Scheduling scheduling =
        current.getScheduling().toBuilder()
            .setMaxRunDuration(
                com.google.cloud.compute.v1.Duration.newBuilder()
                    .setSeconds(Math.max(30, limit.toSeconds())))
            .setInstanceTerminationAction("DELETE")
            .build();
    SetSchedulingInstanceRequest request =
        SetSchedulingInstanceRequest.newBuilder()
            .setProject(project)
            .setZone(zone)
            .setInstance(name)
            .setSchedulingResource(scheduling)
            .setRequestId(UUID.randomUUID().toString())
            .build();
    Operation operation =
        retrier.call(what, true, () -> client.setSchedulingCallable().call(request));
    operations.awaitZonal(what, zone, operation);
  }

  @Override
  public Map<String, String> guestAttributes(String zone, String name, String namespace) {
    GetGuestAttributesInstanceRequest request =
        GetGuestAttributesInstanceRequest.newBuilder()
            .setProject(project)
            .setZone(zone)
            .setInstance(name)
            .setQueryPath(namespace + "/")
            .build();
    try {
      GuestAttributes found =
          retrier.call(
              "read guest attributes of " + name,
              true,
              () -> client.getGuestAttributesCallable().call(request));
      Map<String, String> values = new LinkedHashMap<>();
      for (GuestAttributesEntry entry : found.getQueryValue().getItemsList()) {
        if (namespace.equals(entry.getNamespace())) {
          values.put(entry.getKey(), entry.getValue());
        }
      }
      return values;
    } catch (PlatformException e) {
      // GCE answers 404 both for an unknown instance and for a namespace nothing was written to.
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Map.of();
      }
      throw e;
    }
  }

  @Override
  public void close() {
    client.close();
    operations.close();
  }

  static com.google.cloud.compute.v1.Instance toProto(InstanceSpec spec, String zone) {
    String zonePath = "zones/" + zone;
    Scheduling.Builder scheduling =
        Scheduling.newBuilder()
            .setProvisioningModel(spec.spot() ? "SPOT" : "STANDARD")
            .setAutomaticRestart(false)
            .setOnHostMaintenance("TERMINATE");
    if (spec.maxRunDuration() != null) {
      scheduling
          .setMaxRunDuration(
              com.google.cloud.compute.v1.Duration.newBuilder()
                  .setSeconds(spec.maxRunDuration().toSeconds()))
          .setInstanceTerminationAction("DELETE");
    } else if (spec.spot()) {
      scheduling.setInstanceTerminationAction("DELETE");
    }
    Metadata.Builder metadata = Metadata.newBuilder();
    new TreeMap<>(spec.metadata())
        .forEach((k, v) -> metadata.addItems(Items.newBuilder().setKey(k).setValue(v)));
    NetworkInterface.Builder nic =
        NetworkInterface.newBuilder().setNetwork("global/networks/default");
    if (spec.externalIp()) {
      nic.addAccessConfigs(
          AccessConfig.newBuilder().setName("External NAT").setType("ONE_TO_ONE_NAT"));
    }
    com.google.cloud.compute.v1.Instance.Builder instance =
        com.google.cloud.compute.v1.Instance.newBuilder()
            .setName(spec.name())
            .setMachineType(zonePath + "/machineTypes/" + spec.machineType())
            .putAllLabels(spec.labels())
            .setMetadata(metadata)
            .setScheduling(scheduling)
            .addNetworkInterfaces(nic);
    if (spec.bootDisk() != null) {
      instance.addDisks(
          AttachedDisk.newBuilder()
              .setBoot(true)
              .setAutoDelete(true)
              .setType("PERSISTENT")
              .setInitializeParams(
                  AttachedDiskInitializeParams.newBuilder()
                      .setSourceImage(spec.bootDisk().image())
                      .setDiskSizeGb(spec.bootDisk().sizeGb())
                      .setDiskType(zonePath + "/diskTypes/" + spec.bootDisk().diskType())));
    }
    for (Accelerator accelerator : spec.accelerators()) {
      instance.addGuestAccelerators(
          AcceleratorConfig.newBuilder()
              .setAcceleratorType(zonePath + "/acceleratorTypes/" + accelerator.type())
              .setAcceleratorCount(accelerator.count()));
    }
    if (spec.serviceAccount() != null) {
      instance.addServiceAccounts(
          ServiceAccount.newBuilder()
              .setEmail(spec.serviceAccount().email())
              .addAllScopes(spec.serviceAccount().scopes()));
    }
    return instance.build();
  }

  static Instance fromProto(com.google.cloud.compute.v1.Instance proto) {
    String networkIp = null;
    String externalIp = null;
    if (proto.getNetworkInterfacesCount() > 0) {
      NetworkInterface nic = proto.getNetworkInterfaces(0);
      networkIp = nic.getNetworkIP().isEmpty() ? null : nic.getNetworkIP();
      for (AccessConfig access : nic.getAccessConfigsList()) {
        if (!access.getNatIP().isEmpty()) {
          externalIp = access.getNatIP();
          break;
        }
      }
    }
    return new Instance(
        proto.getName(),
        lastSegment(proto.getZone()),
        InstanceStatus.parse(proto.getStatus()),
        lastSegment(proto.getMachineType()),
        "SPOT".equals(proto.getScheduling().getProvisioningModel()),
        Map.copyOf(proto.getLabelsMap()),
        networkIp,
        externalIp,
        parseTime(proto.getCreationTimestamp()));
  }

  private static String lastSegment(String url) {
    return url == null ? null : url.substring(url.lastIndexOf('/') + 1);
  }

  private static Instant parseTime(String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
