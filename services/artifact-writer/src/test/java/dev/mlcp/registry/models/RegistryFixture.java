package dev.mlcp.registry.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.Machine;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import dev.mlcp.registry.analytics.Analytics;
import dev.mlcp.registry.analytics.PriceTable;
import dev.mlcp.state.Document;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.state.PendingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * artifact-writer's domain wired as in production over the real local ObjectStore (generation
 * preconditions across threads) and DuckDB; published events are collected, and publishing can be
 * made to fail. {@link #replica()} is a second instance of the service over the same state.
 */
public final class RegistryFixture {
  public static final String SOURCE = "//mlcp/artifact-writer";

  /** Helpers of the copier, as in the service: every fixture copies files in parallel. */
  static final java.util.concurrent.ExecutorService COPY_HELPERS =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fixture-copy");
            t.setDaemon(true);
            return t;
          });

  public static final String CI = "//cloudbuild/mlcp-test/train";
  public static final String OWNER = "ana@example.com";
  public static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1";

  public final MutableClock clock;
  public final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  public final ObjectStore store;
  public final Warehouse warehouse;
  public final List<PendingEvent> published;
  public final AtomicBoolean pubsubDown;
  public final RegistrySettings settings;
  public final RegistryRepository repo;
  public final Relays relays;
  public final Analytics analytics;
  public final RowFlusher rows;
  public final GateService gate;
  public final EvaluationService evaluations;
  public final RegistrationService registrations;
  public final ModelService models;
  public final Verifier verifier;
  public final LineageService lineage;
  public final DeploymentRecorder deployments;
  public final Reconciler reconciler;

  /** A fixture with its own state under {@code dir}. */
  public RegistryFixture(Path dir) {
    this(
        new MutableClock(Instant.parse("2026-11-23T10:00:00Z")),
        null,
        new DuckDbWarehouse(dir.resolve("warehouse.duckdb")),
        new CopyOnWriteArrayList<>(),
        new AtomicBoolean(),
        RegistrySettings.CopyMode.STREAM,
        dir);
  }

  /**
   * A fixture over the given store and warehouse; rows are flushed on the caller's thread and a
   * version holds at most 100 files.
   */
  public RegistryFixture(
      MutableClock clock,
      ObjectStore store,
      Warehouse warehouse,
      List<PendingEvent> published,
      AtomicBoolean pubsubDown,
      RegistrySettings.CopyMode mode,
      Path dir) {
    this(clock, store, warehouse, published, pubsubDown, mode, dir, Runnable::run, 100);
  }

  /**
   * A fixture over the given store and warehouse.
   *
   * @param rowExecutor where {@link RowFlusher#flushSoon} flushes; one that drops its tasks is a
   *     process that dies before it flushes
   * @param maxFiles files per version ({@code mlcp.registry.max-files})
   */
  public RegistryFixture(
      MutableClock clock,
      ObjectStore store,
      Warehouse warehouse,
      List<PendingEvent> published,
      AtomicBoolean pubsubDown,
      RegistrySettings.CopyMode mode,
      Path dir,
      Executor rowExecutor,
      int maxFiles) {
    this.clock = clock;
    this.store =
        store != null ? store : new LocalDirectoryObjectStore(dir.resolve("objects"), clock);
    this.warehouse = warehouse;
    this.published = published;
    this.pubsubDown = pubsubDown;
    this.settings =
        new RegistrySettings(
            ObjectUri.parse("gs://mlcp-test-models/"),
            ObjectUri.parse("gs://mlcp-test-staging/staging/"),
            mode,
            SOURCE,
            maxFiles,
            1024 * 1024,
            Duration.ofMinutes(10),
            Duration.ofHours(48),
            50);
    repo =
        new RegistryRepository(
            this.store, ObjectUri.parse("gs://mlcp-test-state/artifact-writer/"), json);
    relays =
        new Relays(
            relay(repo.registrations()),
            relay(repo.versions()),
            relay(repo.aliases()),
            relay(repo.evaluations()));
    analytics =
        new Analytics(
            warehouse,
            "mlcp_registry",
            new PriceTable(Map.of("n1-standard-4", 0.19), Map.of(), 0.35),
            clock);
    UlidIdGenerator ids = new UlidIdGenerator(clock, new SecureRandom());
    rows = new RowFlusher(repo, this.store, settings, analytics, rowExecutor);
    gate = new GateService(repo, relays, rows, clock);
    evaluations = new EvaluationService(repo, this.store, relays, rows, gate, settings, ids, clock);
    registrations =
        new RegistrationService(
            repo,
            this.store,
            new Copier(this.store, mode, COPY_HELPERS, Copier.PARALLELISM),
            new Publishers(List.of("//cloudbuild/*"), Set.of("admin@example.com")),
            rows,
            gate,
            evaluations,
            relays,
            settings,
            json,
            ids,
            clock);
    models = new ModelService(repo, clock, 20);
    verifier = new Verifier(repo, this.store, json, clock);
    deployments = new DeploymentRecorder(repo, clock);
    lineage = new LineageService(repo, this.store, evaluations, deployments, json);
    reconciler = new Reconciler(repo, registrations, evaluations, rows, relays, clock);
  }

  /** A second replica of the service over the same store, warehouse, clock and event sink. */
  public RegistryFixture replica() {
    return new RegistryFixture(
        clock,
        store,
        warehouse,
        published,
        pubsubDown,
        settings.copyMode(),
        null,
        Runnable::run,
        settings.maxFiles());
  }

  private <D extends Document<D>> OutboxRelay<D> relay(DocumentStore<D> documents) {
    return new OutboxRelay<>(
        documents,
        event -> {
          if (pubsubDown.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("Pub/Sub is down"));
          }
          published.add(event);
          return CompletableFuture.completedFuture(null);
        },
        Duration.ofSeconds(5));
  }

  // ---- runs and their staged outputs --------------------------------------------------------

  /** The staging prefix of {@code runId}. */
  public ObjectUri staging(String runId) {
    return settings.stagingOf(runId);
  }

  /** Writes {@code files} (path → content) as {@code runId}'s staged outputs. */
  public void stage(String runId, Map<String, String> files) {
    files.forEach(
        (path, content) ->
            store.write(
                staging(runId).resolve(path),
                content.getBytes(StandardCharsets.UTF_8),
                "application/octet-stream",
                WriteCondition.none()));
  }

  /** A model's usual outputs: model.json and metrics.json with {@code accuracy}. */
  public void stageModel(String runId, double accuracy) {
    stage(
        runId,
        Map.of(
            "model.json",
            "{\"weights\":[0.1,0.2],\"run\":\"" + runId + "\"}",
            "metrics.json",
            "{\"accuracy\":" + accuracy + ",\"loss\":[0.9,0.5,0.3]}",
            "_mlcp/attempt-1/completion.json",
            "{\"agent\":\"record\"}"));
  }

  /** {@code run.succeeded} of a run requested by Cloud Build (registrable). */
  public RunEvent.Succeeded ciRun(String runId, String model) {
    return succeeded(runId, model, OWNER, "pubsub", CI, null, Map.of());
  }

  /** {@code run.succeeded} with the given provenance. */
  public RunEvent.Succeeded succeeded(
      String runId,
      String model,
      String owner,
      String via,
      String by,
      String parent,
      Map<String, String> labels) {
    return new RunEvent.Succeeded(
        runId,
        owner,
        1,
        model,
        IMAGE,
        staging(runId).toString(),
        new Machine("n1-standard-4", null, 0, false),
        new ResourceUse(120, 100, 200_000_000, 0),
        0.01,
        clock.instant().minusSeconds(120),
        clock.instant(),
        labels,
        new RunProvenance(
            via,
            by,
            parent,
            List.of("gs://data/train.csv", "bq://mlcp-data.sales.orders"),
            List.of(),
            List.of("--epochs", "10"),
            List.of("LR"),
            List.of("hf-token"),
            "europe-west4-a"));
  }

  /** A run id (26 lowercase ULID characters). */
  public static String runId(int n) {
    return String.format("run-%026d", n).replace(' ', '0');
  }

  /** The bytes of an object. */
  public String read(ObjectUri uri) {
    try (ObjectRead in = store.read(uri)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Events of {@code type} published so far. */
  public List<PendingEvent> events(Class<?> type) {
    return published.stream().filter(e -> type.isInstance(e.event())).toList();
  }

  /** Sets a policy. */
  public void policy(String model, Policy policy) {
    models.setPolicy(model, policy, OWNER);
  }
}
