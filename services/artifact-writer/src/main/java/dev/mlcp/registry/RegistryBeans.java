package dev.mlcp.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.messaging.EventPublisher;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.registry.analytics.Analytics;
import dev.mlcp.registry.analytics.PriceTable;
import dev.mlcp.registry.models.Copier;
import dev.mlcp.registry.models.DeploymentRecorder;
import dev.mlcp.registry.models.EvaluationService;
import dev.mlcp.registry.models.GateService;
import dev.mlcp.registry.models.LineageService;
import dev.mlcp.registry.models.ModelService;
import dev.mlcp.registry.models.Publishers;
import dev.mlcp.registry.models.Reconciler;
import dev.mlcp.registry.models.RegistrationService;
import dev.mlcp.registry.models.RegistryRepository;
import dev.mlcp.registry.models.RegistrySettings;
import dev.mlcp.registry.models.Relays;
import dev.mlcp.registry.models.RowFlusher;
import dev.mlcp.registry.models.Verifier;
import dev.mlcp.registry.models.VersionReader;
import dev.mlcp.state.Document;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.web.auth.AuthConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Wires artifact-writer's domain objects from the platform ports and configuration. */
@ApplicationScoped
public class RegistryBeans {

  /** The one thread that flushes warehouse rows off the registration path. */
  private final ExecutorService rowWriter =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "registry-row-flusher");
            t.setDaemon(true);
            return t;
          });

  /**
   * Helpers copying a version's files in parallel ({@link Copier#PARALLELISM} per registration, the
   * registering thread included); threads are made on demand and end when idle.
   */
  private final ExecutorService copyHelpers =
      Executors.newCachedThreadPool(
          new ThreadFactory() {
            private final AtomicInteger count = new AtomicInteger();

            @Override
            public Thread newThread(Runnable r) {
              Thread t = new Thread(r, "registry-copy-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            }
          });

  void onStop(@Observes ShutdownEvent event) {
    rowWriter.shutdown();
    copyHelpers.shutdown();
  }

  /** Checks the configuration when the application starts, naming the key at fault. */
  void onStart(@Observes StartupEvent event, RegistryConfig config, AnalyticsConfig analytics) {
    settings(config);
    prices(analytics);
  }

  @Produces
  @Singleton
  RegistrySettings settings(RegistryConfig config) {
    ObjectUri root = uri("mlcp.registry.root-uri", config.rootUri());
    ObjectUri staging = uri("mlcp.registry.staging-uri", config.stagingUri());
    uri("mlcp.registry.state-uri", config.stateUri());
    RegistrySettings.CopyMode mode =
        switch (config.copy()) {
          case "stream" -> RegistrySettings.CopyMode.STREAM;
          case "server-side" -> RegistrySettings.CopyMode.SERVER_SIDE;
          default ->
              throw new IllegalStateException(
                  "mlcp.registry.copy must be stream or server-side, was " + config.copy());
        };
    positive("mlcp.registry.max-files", config.maxFiles());
    positive("mlcp.registry.max-metrics-bytes", config.maxMetricsBytes());
    positive("mlcp.registry.max-evaluation-runs", config.maxEvaluationRuns());
    if (config.lease().compareTo(Duration.ofSeconds(10)) < 0) {
      throw new IllegalStateException("mlcp.registry.lease must be at least 10 seconds");
    }
    return new RegistrySettings(
        root,
        staging,
        mode,
        config.eventSource(),
        config.maxFiles(),
        config.maxMetricsBytes(),
        config.lease(),
        config.evaluationTimeout(),
        config.maxEvaluationRuns());
  }

  @Produces
  @Singleton
  PriceTable prices(AnalyticsConfig config) {
    for (Map.Entry<String, Double> e : config.machinePrices().entrySet()) {
      if (!(e.getValue() >= 0)) {
        throw new IllegalStateException(
            "mlcp.registry.analytics.machine-prices." + e.getKey() + " must be >= 0");
      }
    }
    for (Map.Entry<String, Double> e : config.acceleratorPrices().entrySet()) {
      if (!(e.getValue() >= 0)) {
        throw new IllegalStateException(
            "mlcp.registry.analytics.accelerator-prices." + e.getKey() + " must be >= 0");
      }
    }
    if (!(config.spotFactor() > 0 && config.spotFactor() <= 1)) {
      throw new IllegalStateException("mlcp.registry.analytics.spot-factor must be in (0, 1]");
    }
    return new PriceTable(config.machinePrices(), config.acceleratorPrices(), config.spotFactor());
  }

  @Produces
  @Singleton
  RegistryRepository repository(ObjectStore store, ObjectMapper json, RegistryConfig config) {
    return new RegistryRepository(store, uri("mlcp.registry.state-uri", config.stateUri()), json);
  }

  @Produces
  @Singleton
  Publishers publishers(RegistryConfig config, AuthConfig auth) {
    return new Publishers(config.publishers().orElse(List.of()), auth.admins().orElse(Set.of()));
  }

  @Produces
  @Singleton
  Analytics analytics(Warehouse warehouse, AnalyticsConfig config, PriceTable prices, Clock clock) {
    if (!dev.mlcp.platform.warehouse.TableId.isValidName(config.dataset())) {
      throw new IllegalStateException(
          "mlcp.registry.analytics.dataset must be a dataset name (letters, digits, _)");
    }
    return new Analytics(warehouse, config.dataset(), prices, clock);
  }

  /**
   * The outbox relays: model events on {@code model-versions}, run requests on training-requests.
   */
  @Produces
  @Singleton
  Relays relays(
      RegistryRepository repo,
      @Channel("model-versions") Emitter<byte[]> modelVersions,
      @Channel("training-requests") Emitter<byte[]> trainingRequests,
      CloudEventCodec codec,
      RegistrySettings settings) {
    EventPublisher models = new EventPublisher(modelVersions, codec, settings.eventSource());
    EventPublisher requests = new EventPublisher(trainingRequests, codec, settings.eventSource());
    return new Relays(
        relay(repo.registrations(), models, settings),
        relay(repo.versions(), models, settings),
        relay(repo.aliases(), models, settings),
        relay(repo.evaluations(), requests, settings));
  }

  private static <D extends Document<D>> OutboxRelay<D> relay(
      DocumentStore<D> store, EventPublisher publisher, RegistrySettings settings) {
    return new OutboxRelay<>(
        store,
        event -> publisher.publish(event.toEnvelope(settings.eventSource())),
        Duration.ofSeconds(30));
  }

  @Produces
  @Singleton
  RowFlusher rowFlusher(
      RegistryRepository repo, ObjectStore store, RegistrySettings settings, Analytics analytics) {
    return new RowFlusher(repo, store, settings, analytics, rowWriter);
  }

  @Produces
  @Singleton
  GateService gate(RegistryRepository repo, Relays relays, RowFlusher rows, Clock clock) {
    return new GateService(repo, relays, rows, clock);
  }

  @Produces
  @Singleton
  EvaluationService evaluations(
      RegistryRepository repo,
      ObjectStore store,
      Relays relays,
      RowFlusher rows,
      GateService gate,
      RegistrySettings settings,
      IdGenerator ids,
      Clock clock) {
    return new EvaluationService(repo, store, relays, rows, gate, settings, ids, clock);
  }

  @Produces
  @Singleton
  RegistrationService registrations(
      RegistryRepository repo,
      ObjectStore store,
      Publishers publishers,
      RowFlusher rows,
      GateService gate,
      EvaluationService evaluations,
      Relays relays,
      RegistrySettings settings,
      ObjectMapper json,
      IdGenerator ids,
      Clock clock) {
    return new RegistrationService(
        repo,
        store,
        new Copier(store, settings.copyMode(), copyHelpers, Copier.PARALLELISM),
        publishers,
        rows,
        gate,
        evaluations,
        relays,
        settings,
        json,
        ids,
        clock);
  }

  @Produces
  @Singleton
  ModelService models(RegistryRepository repo, Clock clock, RegistryConfig config) {
    positive("mlcp.registry.max-evaluators", config.maxEvaluators());
    return new ModelService(repo, clock, config.maxEvaluators());
  }

  @Produces
  @Singleton
  VersionReader versionReader(RegistryRepository repo, ObjectStore store, ObjectMapper json) {
    return new VersionReader(repo, store, json);
  }

  @Produces
  @Singleton
  Verifier verifier(RegistryRepository repo, ObjectStore store, ObjectMapper json, Clock clock) {
    return new Verifier(repo, store, json, clock);
  }

  @Produces
  @Singleton
  LineageService lineage(
      RegistryRepository repo,
      ObjectStore store,
      EvaluationService evaluations,
      DeploymentRecorder deployments,
      ObjectMapper json) {
    return new LineageService(repo, store, evaluations, deployments, json);
  }

  @Produces
  @Singleton
  DeploymentRecorder deployments(RegistryRepository repo, Clock clock) {
    return new DeploymentRecorder(repo, clock);
  }

  @Produces
  @Singleton
  Reconciler reconciler(
      RegistryRepository repo,
      RegistrationService registrations,
      EvaluationService evaluations,
      RowFlusher rows,
      Relays relays,
      Clock clock) {
    return new Reconciler(repo, registrations, evaluations, rows, relays, clock);
  }

  private static ObjectUri uri(String key, String value) {
    try {
      ObjectUri parsed = ObjectUri.parse(value);
      if (!parsed.name().isEmpty() && !parsed.name().endsWith("/")) {
        parsed = new ObjectUri(parsed.bucket(), parsed.name() + "/");
      }
      return parsed;
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(key + " must be gs://BUCKET[/PREFIX], was " + value, e);
    }
  }

  private static void positive(String key, int value) {
    if (value < 1) {
      throw new IllegalStateException(key + " must be positive, was " + value);
    }
  }
}
