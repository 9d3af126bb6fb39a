package dev.mlcp.platform.config;

import dev.mlcp.platform.gcp.GcpAdapters;
import dev.mlcp.platform.gcp.GcpSettings;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.serving.ApiConfigs;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.platform.serving.ServingStacks;
import dev.mlcp.platform.serving.gcp.CloudMonitoringMetrics;
import dev.mlcp.platform.serving.gcp.CloudRunClients;
import dev.mlcp.platform.serving.gcp.CloudRunStack;
import dev.mlcp.platform.serving.gcp.ComputeEngineStack;
import dev.mlcp.platform.serving.gcp.ServiceManagementConfigs;
import dev.mlcp.platform.serving.local.LocalApiConfigs;
import dev.mlcp.platform.serving.local.LocalServingStack;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CDI producers of the serving ports ({@link ServingStacks}, {@link RevisionMetrics}, {@link
 * ApiConfigs}), chosen by {@code mlcp.platform} like the other ports. Beans are made only when a
 * service injects them.
 */
@Singleton
public class ServingProducers {

  /** The stack of each target. */
  @Produces
  @Singleton
  public ServingStacks servingStacks(
      PlatformConfig config, ServingPlatformConfig serving, Clock clock, ObjectStore store) {
    PlatformConfigs.validate(config);
    if (config.platform() == PlatformConfig.Platform.GCP) {
      GcpSettings s = PlatformConfigs.gcp(config);
      ServingStack gce =
          new ComputeEngineStack(
              GcpAdapters.serving(s, clock),
              new ComputeEngineStack.Settings(
                  serving.bootImage(),
                  serving.bootDiskGb(),
                  serving.vmServiceAccount().orElse(null),
                  serving.healthCheckIntervalSeconds(),
                  serving.loadBalancerUrl().orElse(null)));
      String run = serving.cloudRunEndpoint().orElse(null);
      ServingStack cloudRun =
          new CloudRunStack(
              s.project(),
              s.region(),
              CloudRunClients.services(run, s.emulator()),
              CloudRunClients.revisions(run, s.emulator()),
              new Retrier(s.retry()));
      return new ServingStacks(
          Map.of(ServingStack.Target.GCE, gce, ServingStack.Target.CLOUD_RUN, cloudRun));
    }
    Map<String, String> env = new LinkedHashMap<>();
    config.local().docker().ifPresent(v -> env.put("MLCP_DOCKER", v));
    config.local().iptables().ifPresent(v -> env.put("MLCP_IPTABLES", v));
    config.local().imageMap().ifPresent(v -> env.put("MLCP_IMAGE_MAP", v));
    // The serving agent hands its data endpoints to the model server (feature lookups).
    config.local().spannerApi().ifPresent(v -> env.put("MLCP_SPANNER_API", v));
    List<String> agent = config.local().agentCommand();
    LocalServingStack local =
        new LocalServingStack(PlatformConfigs.stateDir(config), store, agent, env, clock);
    return new ServingStacks(
        Map.of(ServingStack.Target.GCE, local, ServingStack.Target.CLOUD_RUN, local));
  }

  /** Request outcomes per revision: Cloud Monitoring, or the local proxy's counters. */
  @Produces
  @Singleton
  public RevisionMetrics revisionMetrics(
      PlatformConfig config, ServingPlatformConfig serving, ServingStacks stacks) {
    if (config.platform() == PlatformConfig.Platform.GCP) {
      GcpSettings s = PlatformConfigs.gcp(config);
      return new CloudMonitoringMetrics(
          s.project(), serving.monitoringEndpoint(), s.emulator(), new Retrier(s.retry()));
    }
    return (LocalServingStack) stacks.of(ServingStack.Target.GCE);
  }

  /** Cloud Endpoints configurations. */
  @Produces
  @Singleton
  public ApiConfigs apiConfigs(PlatformConfig config, ServingPlatformConfig serving, Clock clock) {
    if (config.platform() == PlatformConfig.Platform.GCP) {
      GcpSettings s = PlatformConfigs.gcp(config);
      return new ServiceManagementConfigs(
          serving.serviceManagementEndpoint(),
          s.emulator(),
          new Retrier(s.retry()),
          s.operationTimeout(),
          s.pollInterval(),
          clock);
    }
    return new LocalApiConfigs(PlatformConfigs.stateDir(config));
  }

  void close(@Disposes ServingStacks stacks) {
    stacks.close();
  }
}
