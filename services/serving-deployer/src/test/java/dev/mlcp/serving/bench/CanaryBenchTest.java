package dev.mlcp.serving.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.platform.serving.ServingStacks;
import dev.mlcp.platform.serving.local.LocalApiConfigs;
import dev.mlcp.platform.serving.local.LocalServingStack;
import dev.mlcp.serving.rollouts.DeployService;
import dev.mlcp.serving.rollouts.DeploySpec;
import dev.mlcp.serving.rollouts.ModelRegistry;
import dev.mlcp.serving.rollouts.Rollout;
import dev.mlcp.serving.rollouts.RolloutEngine;
import dev.mlcp.serving.rollouts.RolloutRepository;
import dev.mlcp.serving.rollouts.RolloutState;
import dev.mlcp.serving.rollouts.Thresholds;
import dev.mlcp.state.OutboxRelay;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures of the local serving path (not in {@code verify}; {@code ./mvnw -pl
 * services/serving-deployer -Pbench test -Dtest=CanaryBenchTest}): deploy request → 100 % with 3
 * canary steps at 5 s bake (p50 of {@code bench.runs}, default 10) under load through the proxy,
 * and the seconds from the first failing request of a broken revision to its rollback. Real agents
 * in serving mode, fake docker, the sample server; the registry is a stub.
 */
@Tag("bench")
class CanaryBenchTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent().getParent();
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-server";

  @TempDir Path dir;

  @Test
  void request_to_100_percent_and_rollback_time() throws Exception {
    int runs = Integer.getInteger("bench.runs", 10);
    ObjectMapper json =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    Clock clock = Clock.systemUTC();
    LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(dir.resolve("objects"), clock);
    String uri = "gs://reg/models/churn/versions/1/";
    byte[] model =
        ("{\"kind\":\"logistic-regression\",\"features\":[\"a\",\"b\",\"c\",\"d\"],"
                + "\"weights\":[0.5,-0.2,0.1,0.7],\"bias\":0.1}")
            .getBytes(StandardCharsets.UTF_8);
    store.write(
        ObjectUri.parse(uri + "model.json"), model, "application/json", WriteCondition.none());
    byte[] manifest =
        ("{\"files\":[{\"path\":\"model.json\",\"sizeBytes\":"
                + model.length
                + ",\"sha256\":\""
                + sha(model)
                + "\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    store.write(
        ObjectUri.parse(uri + "manifest.json"),
        manifest,
        "application/json",
        WriteCondition.none());
    String digest = sha(manifest);
    Path map = dir.resolve("image-map");
    Files.writeString(
        map, IMAGE + " = python3 " + REPO.resolve("examples/sample-server/server.py") + "\n");
    LocalServingStack stack =
        new LocalServingStack(
            dir.resolve("state"),
            store,
            List.of("bash", REPO.resolve("infra/vm/mlcp-agent.sh").toString()),
            Map.of(
                "MLCP_DOCKER", REPO.resolve("infra/vm/testing/fake-docker").toString(),
                "MLCP_IMAGE_MAP", map.toString()),
            clock);
    ModelRegistry registry =
        new ModelRegistry() {
          @Override
          public String resolveAlias(String m, String alias) {
            return "v1";
          }

          @Override
          public VerifiedVersion verify(String m, String version) {
            return new VerifiedVersion(m, version, uri, digest);
          }
        };
    RolloutRepository repo = new RolloutRepository(store, ObjectUri.parse("gs://state/sd"), json);
    OutboxRelay<Rollout> relay =
        new OutboxRelay<>(
            repo.rollouts(), e -> CompletableFuture.completedFuture(null), Duration.ofSeconds(5));
    OutboxRelay<dev.mlcp.serving.rollouts.ServiceState> serviceRelay =
        new OutboxRelay<>(
            repo.services(), e -> CompletableFuture.completedFuture(null), Duration.ofSeconds(5));
    ServingStacks stacks =
        new ServingStacks(
            Map.of(ServingStack.Target.GCE, stack, ServingStack.Target.CLOUD_RUN, stack));
    RolloutEngine engine =
        new RolloutEngine(
            repo,
            stacks,
            stack,
            new LocalApiConfigs(dir),
            registry,
            relay,
            serviceRelay,
            clock,
            new RolloutEngine.Settings(3, null, null));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    DeployService service =
        new DeployService(
            repo,
            engine,
            stacks,
            serviceRelay,
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            new Thresholds(0.99, 2.0, 100, 10, 3, 120),
            List.of(),
            pool);
    AtomicBoolean running = new AtomicBoolean(true);
    pool.submit(
        () -> {
          while (running.get()) {
            engine.advanceAll();
            Thread.sleep(200);
          }
          return null;
        });
    try {
      Rollout first = service.deploy(spec(Map.of(), "direct"), "first", "bench", "api");
      assertThat(waitEnd(repo, first.id()).state()).isEqualTo(RolloutState.SUCCEEDED);
      String url = stack.traffic("churn").url();
      AtomicLong firstFailure = new AtomicLong();
      for (int i = 0; i < 3; i++) {
        pool.submit(() -> load(url, running, firstFailure));
      }
      List<Long> times = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        Rollout r = service.deploy(spec(Map.of(), "canary"), "canary-" + i, "bench", "api");
        Rollout end = waitEnd(repo, r.id());
        assertThat(end.state()).as(end.reason()).isEqualTo(RolloutState.SUCCEEDED);
        times.add((System.nanoTime() - t0) / 1_000_000);
      }
      firstFailure.set(0);
      Rollout bad =
          service.deploy(spec(Map.of("MLCP_FAIL_RATE", "0.5"), "canary"), "bad", "bench", "api");
      Rollout badEnd = waitEnd(repo, bad.id());
      assertThat(badEnd.state()).isEqualTo(RolloutState.ROLLED_BACK);
      long rollbackMs = badEnd.finishedAt().toEpochMilli() - firstFailure.get();
      List<Long> sorted = times.stream().sorted().toList();
      System.out.printf(
          "FIGURE serving local: request -> 100 %% with 3 canary steps at 5 s bake: p50 %.1f s,"
              + " min %.1f s, max %.1f s over %d runs; broken revision rolled back %.1f s after its"
              + " first failing request (%s)%n",
          sorted.get((sorted.size() - 1) / 2) / 1000.0,
          sorted.get(0) / 1000.0,
          sorted.get(sorted.size() - 1) / 1000.0,
          sorted.size(),
          rollbackMs / 1000.0,
          badEnd.reason());
    } finally {
      running.set(false);
      pool.shutdownNow();
      stack.destroyAll();
      stack.close();
    }
  }

  static DeploySpec spec(Map<String, String> env, String strategy) {
    return new DeploySpec(
        "churn",
        "gce",
        IMAGE,
        "churn",
        "v1",
        null,
        null,
        "local",
        2,
        2,
        0.6,
        "/healthz",
        8080,
        env,
        strategy,
        List.of(10, 50, 100),
        5,
        false,
        null,
        null);
  }

  static Rollout waitEnd(RolloutRepository repo, String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    Rollout r = repo.rollout(id).orElseThrow();
    while (!r.state().terminal() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      r = repo.rollout(id).orElseThrow();
    }
    return r;
  }

  static Void load(String url, AtomicBoolean running, AtomicLong firstFailure) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + "/v1/predict"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"instances\":[[0.5,-1.2,0.3,2.0]]}"))
            .header("Content-Type", "application/json")
            .build();
    while (running.get()) {
      try {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() >= 500) {
          firstFailure.compareAndSet(0, System.currentTimeMillis());
        }
      } catch (Exception e) {
        if (!running.get()) {
          break;
        }
      }
    }
    return null;
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
