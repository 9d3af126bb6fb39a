package dev.mlcp.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.messaging.EventPublisher;
import dev.mlcp.platform.config.PlatformConfig;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.serving.ApiConfigs;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingStacks;
import dev.mlcp.serving.registry.HttpModelRegistry;
import dev.mlcp.serving.registry.gcp.GoogleIdTokens;
import dev.mlcp.serving.rollouts.DeployPolicy;
import dev.mlcp.serving.rollouts.DeployService;
import dev.mlcp.serving.rollouts.ModelRegistry;
import dev.mlcp.serving.rollouts.Rollout;
import dev.mlcp.serving.rollouts.RolloutEngine;
import dev.mlcp.serving.rollouts.RolloutRepository;
import dev.mlcp.serving.rollouts.ServiceState;
import dev.mlcp.serving.rollouts.Thresholds;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.web.auth.AuthConfig;
import dev.mlcp.web.token.LocalServiceTokens;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/** Wires serving-deployer's domain from the platform ports and config, and runs its timer. */
@ApplicationScoped
public class ServingBeans {
  private static final Logger LOG = Logger.getLogger(ServingBeans.class);

  /** The VM agent, bundled from infra/vm at build time (serving VMs' startup script). */
  static final String AGENT_RESOURCE = "agent/mlcp-agent.sh";

  private final ExecutorService workers =
      Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "mlcp-rollout");
            t.setDaemon(true);
            return t;
          });
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "mlcp-rollout-timer");
            t.setDaemon(true);
            return t;
          });

  /** Checks the configuration, then resumes what a previous process left and starts the timer. */
  void onStart(@Observes StartupEvent event, ServingConfig config, RolloutEngine engine) {
    validate(config);
    long period = Math.max(100, config.tickInterval().toMillis());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            engine.advanceAll();
          } catch (RuntimeException e) {
            LOG.warnf("rollout tick failed: %s", e.toString());
          }
        },
        0,
        period,
        TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent event) {
    timer.shutdownNow();
    workers.shutdownNow();
  }

  /** Fails the start naming the key that cannot work. */
  static void validate(ServingConfig config) {
    ObjectUri.parse(config.stateUri());
    if (config.keepRevisions() < 1) {
      throw new IllegalStateException("mlcp.serving.keep-revisions must be at least 1");
    }
    if (config.analysis().minSuccessRate() <= 0 || config.analysis().minSuccessRate() > 1) {
      throw new IllegalStateException("mlcp.serving.analysis.min-success-rate must be in (0, 1]");
    }
    if (config.analysis().maxLatencyRatio() < 1) {
      throw new IllegalStateException("mlcp.serving.analysis.max-latency-ratio must be >= 1");
    }
    new DeployPolicy(List.of(), List.of(), config.autoDeploy().orElse(List.of()));
  }

  @Produces
  @Singleton
  RolloutRepository rolloutRepository(ObjectStore store, ObjectMapper json, ServingConfig config) {
    return new RolloutRepository(store, ObjectUri.parse(config.stateUri()), json);
  }

  /** Publishes rollouts' outbox events on {@code deploy-events}, ordered by service. */
  @Produces
  @Singleton
  OutboxRelay<Rollout> rolloutRelay(
      RolloutRepository repo,
      @Channel("deploy-events") Emitter<byte[]> emitter,
      CloudEventCodec codec,
      ServingConfig config) {
    EventPublisher publisher = new EventPublisher(emitter, codec, config.eventSource());
    return new OutboxRelay<>(
        repo.rollouts(),
        event -> publisher.publish(event.toEnvelope(config.eventSource())),
        Duration.ofSeconds(30));
  }

  /** Publishes services' outbox events (manual rollbacks) on {@code deploy-events}. */
  @Produces
  @Singleton
  OutboxRelay<ServiceState> serviceRelay(
      RolloutRepository repo,
      @Channel("deploy-events") Emitter<byte[]> emitter,
      CloudEventCodec codec,
      ServingConfig config) {
    EventPublisher publisher = new EventPublisher(emitter, codec, config.eventSource());
    return new OutboxRelay<>(
        repo.services(),
        event -> publisher.publish(event.toEnvelope(config.eventSource())),
        Duration.ofSeconds(30));
  }

  @Produces
  @Singleton
  ModelRegistry modelRegistry(ServingConfig config, PlatformConfig platform, ObjectMapper json) {
    ServingConfig.Registry r = config.registry();
    Supplier<String> token;
    if (r.localKeyDir().isPresent()) {
      token = new LocalServiceTokens(Path.of(r.localKeyDir().get()), r.localIdentity());
    } else if (platform.platform() == PlatformConfig.Platform.GCP) {
      GoogleIdTokens google = new GoogleIdTokens(r.audience().orElse(r.url()));
      token = google;
    } else {
      token = () -> "no-token";
    }
    return new HttpModelRegistry(r.url(), token, json);
  }

  @Produces
  @Singleton
  DeployPolicy deployPolicy(ServingConfig config, AuthConfig auth) {
    return new DeployPolicy(
        config.deployers().orElse(List.of()),
        config.requestSources().orElse(List.of()),
        config.autoDeploy().orElse(List.of()));
  }

  @Produces
  @Singleton
  RolloutEngine rolloutEngine(
      RolloutRepository repo,
      ServingStacks stacks,
      RevisionMetrics metrics,
      ApiConfigs apiConfigs,
      ModelRegistry registry,
      OutboxRelay<Rollout> relay,
      OutboxRelay<ServiceState> serviceRelay,
      Clock clock,
      ServingConfig config) {
    return new RolloutEngine(
        repo,
        stacks,
        metrics,
        apiConfigs,
        registry,
        relay,
        serviceRelay,
        clock,
        new RolloutEngine.Settings(
            config.keepRevisions(), agentScript(), config.instanceServiceAccount().orElse(null)));
  }

  @Produces
  @Singleton
  DeployService deployService(
      RolloutRepository repo,
      RolloutEngine engine,
      ServingStacks stacks,
      OutboxRelay<ServiceState> serviceRelay,
      IdGenerator ids,
      Clock clock,
      ServingConfig config) {
    ServingConfig.Analysis a = config.analysis();
    return new DeployService(
        repo,
        engine,
        stacks,
        serviceRelay,
        ids,
        clock,
        new Thresholds(
            a.minSuccessRate(),
            a.maxLatencyRatio(),
            a.latencyFloorMillis(),
            a.minRequests(),
            a.maxInconclusive(),
            a.healthTimeout().toSeconds()),
        config.allowedImages().orElse(List.of()),
        workers);
  }

  static String agentScript() {
    try (InputStream in = ServingBeans.class.getClassLoader().getResourceAsStream(AGENT_RESOURCE)) {
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
