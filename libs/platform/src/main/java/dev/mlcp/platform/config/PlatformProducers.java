package dev.mlcp.platform.config;

import dev.mlcp.platform.gcp.GcpAdapters;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.instances.ServingResources;
import dev.mlcp.platform.instances.local.LocalProcessInstances;
import dev.mlcp.platform.instances.local.LocalServingResources;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.Secrets;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CDI producers of the platform ports: one adapter family chosen by {@code mlcp.platform}, each
 * adapter a singleton closed on shutdown. The application fails at start when the configuration
 * cannot work (e.g. {@code gcp} without {@code mlcp.project-id}). The methods are plain Java, so
 * they can be called without a container.
 */
@Singleton
public class PlatformProducers {

  /** Checks the configuration when the application starts, before any request is served. */
  void onStart(@Observes StartupEvent event, PlatformConfig config) {
    PlatformConfigs.validate(config);
  }

  /** The system clock (UTC). */
  @Produces
  @Singleton
  public Clock clock() {
    return Clock.systemUTC();
  }

  /** ULID ids. */
  @Produces
  @Singleton
  public IdGenerator idGenerator(Clock clock) {
    return new UlidIdGenerator(clock, new SecureRandom());
  }

  /** The object store. */
  @Produces
  @Singleton
  public ObjectStore objectStore(PlatformConfig config, Clock clock) {
    PlatformConfigs.validate(config);
    return gcp(config)
        ? GcpAdapters.objectStore(
            PlatformConfigs.gcp(config),
            config.urlSigningAccount().orElse(null),
            config.endpoints().iamCredentials().orElse(null))
        : new LocalDirectoryObjectStore(PlatformConfigs.stateDir(config).resolve("objects"), clock);
  }

  /** The secret store. */
  @Produces
  @Singleton
  public Secrets secrets(PlatformConfig config, Clock clock) {
    PlatformConfigs.validate(config);
    return gcp(config)
        ? GcpAdapters.secrets(PlatformConfigs.gcp(config))
        : new LocalFileSecrets(PlatformConfigs.stateDir(config).resolve("secrets"), clock);
  }

  /** Run logs. */
  @Produces
  @Singleton
  public Logs logs(PlatformConfig config, IdGenerator ids) {
    PlatformConfigs.validate(config);
    return gcp(config)
        ? GcpAdapters.logs(PlatformConfigs.gcp(config), ids)
        : new JsonLinesLogs(PlatformConfigs.stateDir(config).resolve("logs"));
  }

  /** The warehouse. */
  @Produces
  @Singleton
  public Warehouse warehouse(PlatformConfig config, Clock clock) {
    PlatformConfigs.validate(config);
    return gcp(config)
        ? GcpAdapters.warehouse(PlatformConfigs.gcp(config), clock)
        : new DuckDbWarehouse(PlatformConfigs.stateDir(config).resolve("warehouse.duckdb"));
  }

  /** VMs. */
  @Produces
  @Singleton
  public Instances instances(
      PlatformConfig config, Clock clock, ObjectStore store, Secrets secrets, Logs logs) {
    PlatformConfigs.validate(config);
    if (gcp(config)) {
      return GcpAdapters.instances(PlatformConfigs.gcp(config), clock);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MLCP_DELETE_GRACE_SECONDS", Integer.toString(config.local().deleteGraceSeconds()));
    config.local().pubsubApi().ifPresent(v -> env.put("MLCP_PUBSUB_API", v));
    config.local().docker().ifPresent(v -> env.put("MLCP_DOCKER", v));
    config.local().iptables().ifPresent(v -> env.put("MLCP_IPTABLES", v));
    config.local().imageMap().ifPresent(v -> env.put("MLCP_IMAGE_MAP", v));
    config.local().spannerApi().ifPresent(v -> env.put("MLCP_SPANNER_API", v));
    return new LocalProcessInstances(
        PlatformConfigs.stateDir(config),
        config.local().agentCommand(),
        config.projectId().orElse("local"),
        clock,
        // Training VMs serve one run: their container logs are filed under its id.
        new LocalProcessInstances.AgentSupport(store, secrets, logs, env, "mlcp-run-id"));
  }

  /** Serving resources (templates, instance groups, load balancer pieces). */
  @Produces
  @Singleton
  public ServingResources servingResources(PlatformConfig config, Clock clock) {
    PlatformConfigs.validate(config);
    return gcp(config)
        ? GcpAdapters.serving(PlatformConfigs.gcp(config), clock)
        : new LocalServingResources(PlatformConfigs.stateDir(config));
  }

  void close(@Disposes ServingResources serving) {
    serving.close();
  }

  void close(@Disposes ObjectStore store) {
    store.close();
  }

  void close(@Disposes Secrets secrets) {
    secrets.close();
  }

  void close(@Disposes Logs logs) {
    logs.close();
  }

  void close(@Disposes Warehouse warehouse) {
    warehouse.close();
  }

  void close(@Disposes Instances instances) {
    instances.close();
  }

  private static boolean gcp(PlatformConfig config) {
    return config.platform() == PlatformConfig.Platform.GCP;
  }
}
