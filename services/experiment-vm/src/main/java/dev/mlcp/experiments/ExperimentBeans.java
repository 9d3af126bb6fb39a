package dev.mlcp.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.experiments.artifacts.ArtifactService;
import dev.mlcp.experiments.data.DataService;
import dev.mlcp.experiments.notebooks.Experiment;
import dev.mlcp.experiments.notebooks.ExperimentRepository;
import dev.mlcp.experiments.notebooks.ExperimentService;
import dev.mlcp.experiments.notebooks.NotebookPlan;
import dev.mlcp.experiments.notebooks.NotebookPolicy;
import dev.mlcp.experiments.notebooks.Reaper;
import dev.mlcp.experiments.secrets.SecretService;
import dev.mlcp.messaging.EventPublisher;
import dev.mlcp.platform.config.PlatformConfig;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.secrets.Secrets;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.state.OutboxRelay;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Wires experiment-vm's domain objects from the platform ports and config. */
@ApplicationScoped
public class ExperimentBeans {
  /** The VM agent, bundled from infra/vm at build time. */
  static final String AGENT_RESOURCE = "agent/mlcp-agent.sh";

  @Produces
  @Singleton
  ExperimentRepository experimentRepository(
      ObjectStore store, ObjectMapper json, ExperimentsConfig config) {
    return new ExperimentRepository(
        store, ConfigChecks.uri(config.stateUri(), "mlcp.experiments.state-uri"), json);
  }

  /** Publishes experiments' outbox events on {@code experiment-events}, ordered by name. */
  @Produces
  @Singleton
  OutboxRelay<Experiment> outboxRelay(
      ExperimentRepository experiments,
      @Channel("experiment-events") Emitter<byte[]> emitter,
      CloudEventCodec codec,
      ExperimentsConfig config) {
    EventPublisher publisher = new EventPublisher(emitter, codec, config.eventSource());
    return new OutboxRelay<>(
        experiments.documents(),
        event -> publisher.publish(event.toEnvelope(config.eventSource())),
        Duration.ofSeconds(30));
  }

  @Produces
  @Singleton
  NotebookPolicy notebookPolicy(ExperimentsConfig config) {
    ExperimentsConfig.Caps caps = config.caps();
    return new NotebookPolicy(
        new NotebookPolicy.Caps(
            caps.defaultTtl(),
            caps.maxTtl(),
            caps.defaultIdleTimeout(),
            caps.minIdleTimeout(),
            caps.maxIdleTimeout(),
            caps.allowedAccelerators(),
            caps.maxAcceleratorCount(),
            caps.maxConcurrentPerOwner(),
            caps.maxDiskGb(),
            caps.allowExternalIp()),
        new NotebookPolicy.Defaults(
            config.defaultZones(),
            config.defaultMachineType(),
            config.defaultImageFamily(),
            config.defaultGpuImageFamily(),
            config.defaultDiskGb(),
            config.defaultExternalIp()));
  }

  @Produces
  @Singleton
  NotebookPlan notebookPlan(ExperimentsConfig config) {
    return new NotebookPlan(
        new NotebookPlan.Settings(
            config.jupyterPort(),
            config.heartbeatInterval(),
            config.vmServiceAccount().orElse(null),
            agentScript()));
  }

  @Produces
  @Singleton
  ExperimentService experimentService(
      ExperimentRepository experiments,
      Instances instances,
      NotebookPlan plan,
      NotebookPolicy policy,
      OutboxRelay<Experiment> relay,
      IdGenerator ids,
      Clock clock,
      ObjectMapper json,
      ExperimentsConfig config) {
    return new ExperimentService(
        experiments,
        instances,
        plan,
        policy,
        relay,
        ids,
        clock,
        json,
        config.reaper().heartbeatStaleAfter());
  }

  @Produces
  @Singleton
  Reaper reaper(
      ExperimentRepository experiments,
      ExperimentService service,
      Instances instances,
      OutboxRelay<Experiment> relay,
      Clock clock,
      ExperimentsConfig config) {
    ExperimentsConfig.Reaper r = config.reaper();
    return new Reaper(
        experiments,
        service,
        instances,
        relay,
        clock,
        new Reaper.Timing(
            r.expiringNotice(), r.stoppedRetention(), r.settle(), r.provisioningTimeout()));
  }

  @Produces
  @Singleton
  DataService dataService(
      Warehouse warehouse,
      ObjectStore store,
      ObjectMapper json,
      IdGenerator ids,
      Clock clock,
      ExperimentsConfig experiments,
      WarehouseConfig config,
      PlatformConfig platform) {
    return new DataService(
        warehouse,
        store,
        ConfigChecks.uri(experiments.stateUri(), "mlcp.experiments.state-uri"),
        json,
        ids,
        clock,
        new DataService.Limits(
            platform.projectId().orElse("mlcp-local"),
            config.queryDataset(),
            config.maxBytesBilled(),
            config.usdPerTib(),
            config.maxPreviewRows(),
            config.maxPageSize(),
            config.maxSqlLength()));
  }

  @Produces
  @Singleton
  ArtifactService artifactService(ObjectStore store, ArtifactsConfig config) {
    return new ArtifactService(
        store,
        ConfigChecks.uri(config.uri(), "mlcp.experiments.artifacts.uri"),
        config.urlValidity());
  }

  @Produces
  @Singleton
  SecretService secretService(
      Secrets secrets,
      ObjectStore store,
      ObjectMapper json,
      IdGenerator ids,
      Clock clock,
      ExperimentsConfig experiments,
      SecretsConfig config) {
    return new SecretService(
        secrets,
        store,
        ConfigChecks.uri(experiments.stateUri(), "mlcp.experiments.state-uri"),
        json,
        ids,
        clock,
        new SecretService.Limits(config.maxValueBytes(), config.maxReaders()));
  }

  /** Where and how to connect, for the API's hints. */
  @Produces
  @Singleton
  ConnectSettings connectSettings(PlatformConfig platform, ExperimentsConfig config) {
    return new ConnectSettings(
        platform.projectId().orElse("mlcp-local"),
        platform.platform() == PlatformConfig.Platform.LOCAL,
        config.jupyterPort());
  }

  /**
   * What connection hints need.
   *
   * @param project the project of {@code gcloud} commands
   * @param local whether notebooks run on this machine
   * @param jupyterPort JupyterLab's port on a VM (0 locally: each picks a free one)
   */
  public record ConnectSettings(String project, boolean local, int jupyterPort) {}

  static String agentScript() {
    try (InputStream in =
        ExperimentBeans.class.getClassLoader().getResourceAsStream(AGENT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            AGENT_RESOURCE + " is missing from the build: it is copied from infra/vm");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
