package dev.mlcp.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.messaging.EventPublisher;
import dev.mlcp.platform.config.PlatformConfig;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.secrets.Secrets;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.training.inputs.HttpModelRegistry;
import dev.mlcp.training.inputs.InputGrants;
import dev.mlcp.training.inputs.InputResolver;
import dev.mlcp.training.inputs.MetadataIdTokens;
import dev.mlcp.training.inputs.ModelRegistry;
import dev.mlcp.training.runs.InstancePlan;
import dev.mlcp.training.runs.PreemptionPolicy;
import dev.mlcp.training.runs.Reconciler;
import dev.mlcp.training.runs.RequestSources;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunRepository;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.SubmitPolicy;
import dev.mlcp.training.runs.VmInventory;
import dev.mlcp.training.schedules.ScheduleRepository;
import dev.mlcp.training.schedules.ScheduleService;
import dev.mlcp.web.auth.AuthConfig;
import dev.mlcp.web.token.LocalServiceTokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Wires training-runner's domain objects from the platform ports and config. */
@ApplicationScoped
public class TrainingBeans {
  /** The VM agent, bundled from infra/vm at build time. */
  static final String AGENT_RESOURCE = "agent/mlcp-agent.sh";

  @Produces
  @Singleton
  RunRepository runRepository(ObjectStore store, ObjectMapper json, TrainingConfig config) {
    return new RunRepository(store, ObjectUri.parse(config.stateUri()), json);
  }

  @Produces
  @Singleton
  ScheduleRepository scheduleRepository(
      ObjectStore store, ObjectMapper json, TrainingConfig config) {
    return new ScheduleRepository(store, ObjectUri.parse(config.stateUri()), json);
  }

  @Produces
  @Singleton
  InstancePlan instancePlan(TrainingConfig config, ObjectMapper json) {
    return new InstancePlan(config, json, agentScript());
  }

  /** Publishes runs' outbox events on {@code run-events}, ordered by run. */
  @Produces
  @Singleton
  OutboxRelay<Run> outboxRelay(
      RunRepository runs,
      @Channel("run-events") Emitter<byte[]> emitter,
      CloudEventCodec codec,
      TrainingConfig config) {
    EventPublisher publisher = new EventPublisher(emitter, codec, config.eventSource());
    return new OutboxRelay<>(
        runs.documents(),
        event -> publisher.publish(event.toEnvelope(config.eventSource())),
        Duration.ofSeconds(30));
  }

  @Produces
  @Singleton
  RequestSources requestSources(TrainingConfig config) {
    return new RequestSources(config.requestSources().orElse(List.of()));
  }

  @Produces
  @Singleton
  SubmitPolicy submitPolicy(
      TrainingConfig config,
      Secrets secrets,
      AuthConfig auth,
      RunRepository runs,
      InstancePlan plan) {
    return new SubmitPolicy(
        new SubmitPolicy.Limits(
            config.limits().maxActiveRunsPerOwner(),
            config.limits().maxAcceleratorsPerOwner(),
            config.limits().allowedImages().orElse(List.of())),
        secrets,
        auth::isAdmin,
        runs,
        plan);
  }

  @Produces
  @Singleton
  RunService runService(
      RunRepository runs,
      Instances instances,
      InstancePlan plan,
      OutboxRelay<Run> relay,
      ObjectStore objects,
      CloudEventCodec codec,
      IdGenerator ids,
      Clock clock,
      TrainingConfig config,
      SubmitPolicy policy,
      InputResolver inputs) {
    return new RunService(
        runs,
        instances,
        plan,
        relay,
        objects,
        codec,
        ids,
        clock,
        config.maxAttempts(),
        PreemptionPolicy.parse(config.defaultOnPreemption(), PreemptionPolicy.RETRY),
        policy,
        inputs);
  }

  /** Resolves run inputs at submit (registry, BigQuery dry runs, Spanner checks, grants). */
  @Produces
  @Singleton
  InputResolver inputResolver(
      InputsConfig config,
      PlatformConfig platform,
      Warehouse warehouse,
      OperationalData operational,
      AuthConfig auth,
      ObjectMapper json) {
    ModelRegistry registry =
        config
            .registryUrl()
            .<ModelRegistry>map(
                url -> new HttpModelRegistry(URI.create(url), registryTokens(config, url), json))
            .orElse(ModelRegistry.NONE);
    InputGrants grants;
    try {
      grants = new InputGrants(config.grants().orElse(List.of()));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    if (config.maxBytesBilled() <= 0 || config.maxModelFiles() <= 0) {
      throw new IllegalStateException(
          "mlcp.training.inputs.max-bytes-billed and max-model-files must be positive");
    }
    return new InputResolver(
        new InputResolver.Settings(
            config.maxBytesBilled(),
            platform.projectId().orElse("mlcp-local"),
            config.spannerMaxStaleness(),
            config.maxModelFiles()),
        registry,
        warehouse,
        operational,
        grants,
        auth::isAdmin);
  }

  /**
   * The registry's bearer tokens: minted with the local key in local mode (the registry accepts
   * only tokens of that key there), else Google ID tokens from the metadata server.
   */
  static Supplier<Optional<String>> registryTokens(InputsConfig config, String url) {
    if (config.registryLocalKeyDir().isPresent()) {
      LocalServiceTokens local =
          new LocalServiceTokens(
              Path.of(config.registryLocalKeyDir().get()), config.registryLocalIdentity());
      return () -> Optional.of(local.get());
    }
    return new MetadataIdTokens(config.metadataUrl(), config.registryAudience().orElse(url));
  }

  @Produces
  @Singleton
  Reconciler reconciler(
      RunRepository runs,
      RunService service,
      Instances instances,
      OutboxRelay<Run> relay,
      Clock clock,
      TrainingConfig config) {
    return new Reconciler(
        runs, service, instances, relay, clock, config.reconcileSettle(), config.missingGrace());
  }

  @Produces
  @Singleton
  VmInventory vmInventory(Instances instances, RunRepository runs, Clock clock) {
    return new VmInventory(instances, runs, clock);
  }

  @Produces
  @Singleton
  ScheduleService scheduleService(ScheduleRepository schedules, RunService runs, Clock clock) {
    return new ScheduleService(schedules, runs, clock, Duration.ofMinutes(3));
  }

  static String agentScript() {
    try (InputStream in =
        TrainingBeans.class.getClassLoader().getResourceAsStream(AGENT_RESOURCE)) {
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
