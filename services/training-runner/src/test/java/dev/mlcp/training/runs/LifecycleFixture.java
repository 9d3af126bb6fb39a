package dev.mlcp.training.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.state.PendingEvent;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The run lifecycle wired as in production, over the real local ObjectStore (generation
 * preconditions included) and {@link FakeInstances}; published events are collected, and publishing
 * can be made to fail.
 */
final class LifecycleFixture {
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1";
  static final String OWNER = "ana@example.com";

  final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
  final FakeInstances instances = new FakeInstances();
  final List<PendingEvent> published = new CopyOnWriteArrayList<>();
  final AtomicBoolean pubsubDown = new AtomicBoolean();
  final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  final TestTrainingConfig config = new TestTrainingConfig();
  final LocalDirectoryObjectStore store;
  final RunRepository runs;
  final InstancePlan plan;
  final OutboxRelay<Run> relay;
  final LocalFileSecrets secrets;
  final RunService service;
  final Reconciler reconciler;

  LifecycleFixture(Path dir) {
    this(dir, new SubmitPolicy.Limits(20, 16, List.of()));
  }

  LifecycleFixture(Path dir, SubmitPolicy.Limits limits) {
    store = new LocalDirectoryObjectStore(dir, clock);
    runs = new RunRepository(store, ObjectUri.parse(config.stateUri()), json);
    plan = new InstancePlan(config, json, "#!/bin/bash\necho agent\n");
    relay =
        new OutboxRelay<>(
            runs.documents(),
            event -> {
              if (pubsubDown.get()) {
                return CompletableFuture.failedFuture(
                    new IllegalStateException("Pub/Sub is down (test)"));
              }
              published.add(event);
              return CompletableFuture.completedFuture(null);
            },
            Duration.ofSeconds(5));
    secrets = new LocalFileSecrets(dir.resolve("secrets"), clock);
    // The secret the specs of these tests name, owned by their owner.
    secrets.create(
        "openai-key",
        java.util.Map.of(),
        dev.mlcp.platform.secrets.SecretAccess.annotations(OWNER, java.util.Set.of()));
    SubmitPolicy policy =
        new SubmitPolicy(limits, secrets, "admin@example.com"::equalsIgnoreCase, runs, plan);
    service =
        new RunService(
            runs,
            instances,
            plan,
            relay,
            store,
            new CloudEventCodec(json),
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            config.maxAttempts(),
            PreemptionPolicy.parse(config.defaultOnPreemption(), PreemptionPolicy.RETRY),
            policy);
    reconciler =
        new Reconciler(
            runs,
            service,
            instances,
            relay,
            clock,
            config.reconcileSettle(),
            config.missingGrace());
  }

  Run submit(RunSpec spec) {
    return service.submit(OWNER, spec, null, null);
  }

  /** What the VM agent of {@code run}'s current attempt publishes. */
  EventEnvelope<TrainingCompleted> completion(Run run, int exitCode) {
    TrainingCompleted done =
        new TrainingCompleted(
            run.id(),
            run.attempt(),
            run.instance(),
            run.zone(),
            exitCode,
            plan.outputUri(run),
            new ResourceUse(3600, 7000, 1 << 30, 0),
            clock.instant().minusSeconds(3600),
            clock.instant(),
            null);
    return new EventEnvelope<>(
        run.id() + "-" + run.attempt() + "-completed",
        "//mlcp/vm-agent/" + run.instance(),
        clock.instant(),
        null,
        done);
  }

  /** Published events of {@code type}, one per ce-id (consumers drop republished duplicates). */
  <T extends MlcpEvent> List<T> events(Class<T> type) {
    return published.stream()
        .filter(e -> type.isInstance(e.event()))
        .collect(
            java.util.stream.Collectors.toMap(
                PendingEvent::id,
                e -> type.cast(e.event()),
                (a, b) -> a,
                java.util.LinkedHashMap::new))
        .values()
        .stream()
        .toList();
  }

  /** How many times an event of {@code type} was published, duplicates included. */
  long publishes(Class<? extends MlcpEvent> type) {
    return published.stream().filter(e -> type.isInstance(e.event())).count();
  }
}
