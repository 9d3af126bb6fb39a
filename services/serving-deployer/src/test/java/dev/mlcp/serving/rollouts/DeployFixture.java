package dev.mlcp.serving.rollouts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.DeployEvent;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.platform.serving.ServingStacks;
import dev.mlcp.platform.serving.local.LocalApiConfigs;
import dev.mlcp.state.Change;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.state.PendingEvent;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A deployer over the real local object store (documents, outboxes, CAS) with a fake stack, a stub
 * registry and a hand-moved clock. {@code crashAfterWrites} kills the "process" (an {@link Error})
 * right after that many rollout or service writes: the next fixture on the same directory resumes.
 */
final class DeployFixture {
  static final String SHA1 = "1".repeat(64);
  static final String SHA2 = "2".repeat(64);

  /** The process died. */
  static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash() {
      super("killed (test)");
    }
  }

  final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  final List<PendingEvent> published;
  final MutableClock clock;
  final FakeStack stack;
  final StubRegistry registry;
  final LocalDirectoryObjectStore store;
  final RolloutRepository repo;
  final RolloutEngine engine;
  final DeployService service;
  final AtomicInteger writes = new AtomicInteger();

  DeployFixture(Path dir) {
    this(
        dir,
        new FakeStack(),
        defaultRegistry(),
        new MutableClock(Instant.parse("2026-11-23T10:00:00Z")),
        new CopyOnWriteArrayList<>(),
        Integer.MAX_VALUE);
  }

  static StubRegistry defaultRegistry() {
    return new StubRegistry().version("churn", "v1", SHA1).version("churn", "v2", SHA2);
  }

  DeployFixture(
      Path dir,
      FakeStack stack,
      StubRegistry registry,
      MutableClock clock,
      List<PendingEvent> published,
      int crashAfterWrites) {
    this.stack = stack;
    this.registry = registry;
    this.clock = clock;
    this.published = published;
    store = new LocalDirectoryObjectStore(dir, clock);
    repo =
        new RolloutRepository(store, ObjectUri.parse("gs://state/serving-deployer"), json) {
          @Override
          public Optional<Change<Rollout>> update(String id, UnaryOperator<Rollout> change) {
            Optional<Change<Rollout>> c = super.update(id, change);
            count(c.isPresent() && c.get().changed(), crashAfterWrites);
            return c;
          }

          @Override
          public Optional<Change<ServiceState>> updateService(
              String name, UnaryOperator<ServiceState> change) {
            Optional<Change<ServiceState>> c = super.updateService(name, change);
            count(c.isPresent() && c.get().changed(), crashAfterWrites);
            return c;
          }
        };
    OutboxRelay<Rollout> relay =
        new OutboxRelay<>(repo.rollouts(), this::publish, Duration.ofSeconds(5));
    OutboxRelay<ServiceState> serviceRelay =
        new OutboxRelay<>(repo.services(), this::publish, Duration.ofSeconds(5));
    ServingStacks stacks =
        new ServingStacks(
            Map.of(ServingStack.Target.GCE, stack, ServingStack.Target.CLOUD_RUN, stack));
    engine =
        new RolloutEngine(
            repo,
            stacks,
            stack,
            new LocalApiConfigs(dir.resolve("endpoints-state")),
            registry,
            relay,
            serviceRelay,
            clock,
            new RolloutEngine.Settings(2, "#!/bin/bash\n", null));
    service =
        new DeployService(
            repo,
            engine,
            stacks,
            serviceRelay,
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            new Thresholds(0.99, 2.0, 100, 20, 2, 120),
            List.of(),
            r -> {});
  }

  private void count(boolean changed, int crashAfter) {
    if (changed && writes.incrementAndGet() >= crashAfter) {
      throw new Crash();
    }
  }

  private CompletableFuture<Void> publish(PendingEvent event) {
    published.add(event);
    return CompletableFuture.completedFuture(null);
  }

  /** A canary request of {@code version}. */
  static DeploySpec canary(String version, List<Integer> steps) {
    return new DeploySpec(
        "churn",
        "gce",
        "europe-docker.pkg.dev/p/r/server:1",
        "churn",
        version,
        null,
        null,
        null,
        2,
        4,
        0.6,
        "/healthz",
        8080,
        Map.of(),
        "canary",
        steps,
        30,
        false,
        null,
        null);
  }

  /** Deploys and advances it as far as it goes now. */
  Rollout deploy(DeploySpec spec, String key) {
    Rollout r = service.deploy(spec, key, "ci@proj.iam.gserviceaccount.com", "api");
    return engine.advance(r.id()).orElseThrow();
  }

  /** Moves the clock past the bake and advances; repeated until the rollout stops moving. */
  Rollout bake(String id) {
    clock.advance(Duration.ofSeconds(31));
    return engine.advance(id).orElseThrow();
  }

  /** Runs a rollout to its end, baking as needed. */
  Rollout finish(String id) {
    Rollout r = engine.advance(id).orElseThrow();
    for (int i = 0; i < 20 && !r.state().terminal(); i++) {
      r = bake(id);
    }
    return r;
  }

  /** Good traffic on {@code revision}. */
  void healthyTraffic(String revision) {
    stack.stats.put(
        revision, new dev.mlcp.platform.serving.RevisionMetrics.RequestStats(500, 0, 40));
  }

  /** Drains every outbox (what the reconciler does). */
  void relayAll() {
    new OutboxRelay<>(repo.rollouts(), this::publish, Duration.ofSeconds(5)).drainAll();
    new OutboxRelay<>(repo.services(), this::publish, Duration.ofSeconds(5)).drainAll();
  }

  List<String> eventTypes() {
    return published.stream().map(e -> e.event().getClass().getSimpleName()).toList();
  }

  List<DeployEvent> events() {
    return published.stream()
        .map(PendingEvent::event)
        .filter(DeployEvent.class::isInstance)
        .map(DeployEvent.class::cast)
        .toList();
  }
}
