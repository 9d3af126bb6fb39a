package dev.mlcp.training.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The run lifecycle wired as in production, over the real local ObjectStore (generation
 * preconditions included) and {@link FakeInstances}; events are collected instead of published.
 */
final class LifecycleFixture {
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1";
  static final String OWNER = "ana@example.com";

  final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
  final FakeInstances instances = new FakeInstances();
  final List<MlcpEvent> events = new CopyOnWriteArrayList<>();
  final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  final TestTrainingConfig config = new TestTrainingConfig();
  final RunRepository runs;
  final InstancePlan plan;
  final RunService service;
  final Reconciler reconciler;

  LifecycleFixture(Path dir) {
    LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir, clock);
    runs = new RunRepository(store, ObjectUri.parse(config.stateUri()), json);
    plan = new InstancePlan(config, json, "#!/bin/bash\necho agent\n");
    RunEvents runEvents =
        new RunEvents(
            e -> {
              events.add(e);
              return CompletableFuture.completedFuture(null);
            },
            Duration.ofSeconds(5));
    service =
        new RunService(
            runs,
            instances,
            plan,
            runEvents,
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            config.maxAttempts(),
            config.defaultOnPreemption());
    reconciler =
        new Reconciler(
            runs, service, instances, clock, config.reconcileSettle(), config.missingGrace());
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

  <T extends MlcpEvent> List<T> events(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
