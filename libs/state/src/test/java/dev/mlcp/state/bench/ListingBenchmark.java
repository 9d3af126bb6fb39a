package dev.mlcp.state.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.objects.ForwardingObjectStore;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.gcp.FakeGcsServerAccess;
import dev.mlcp.platform.objects.gcp.GcsObjectStore;
import dev.mlcp.platform.objects.gcp.GcsStorageForBench;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.state.Document;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.Index;
import dev.mlcp.state.Outbox;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/runs} for one user: the 50 newest of the user's runs among N stored runs of 1,000
 * owners, through the owner index, on the local store and on the GCS adapter against the local GCS
 * JSON API server. Prints latency and object reads per call at two totals, so reads (and, for a
 * real prefix listing, time) can be seen not to depend on the total.
 *
 * <p>{@code ./mvnw -B -pl libs/state -am -Pbench test -Dtest=ListingBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} (sizes: {@code -Dbench.runs=100000,10000}).
 */
class ListingBenchmark {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  static final int OWNERS = 1000;
  static final int PAGE = 50;
  static final int CALLS = 40;

  /** A run-sized document: owner, state, a spec-like payload. */
  record BenchRun(
      String id,
      String owner,
      String state,
      Map<String, String> spec,
      Instant createdAt,
      Outbox outbox)
      implements Document<BenchRun> {
    @Override
    public BenchRun withOutbox(Outbox next) {
      return new BenchRun(id, owner, state, spec, createdAt, next);
    }
  }

  @TempDir Path dir;

  @Test
  void list_one_users_newest_runs() throws Exception {
    String sizes = System.getProperty("bench.runs", "100000,10000");
    for (String size : sizes.split(",")) {
      int total = Integer.parseInt(size.trim());
      Path local = dir.resolve("local-" + total);
      measure("local store   ", new LocalDirectoryObjectStore(local), null, total);
      try (FakeGcsServerAccess gcs = new FakeGcsServerAccess(dir.resolve("gcs-" + total))) {
        GcsObjectStore adapter =
            new GcsObjectStore(GcsStorageForBench.storage(gcs.baseUrl()), null);
        measure("GCS (local server)", adapter, gcs, total);
      }
    }
  }

  private void measure(String label, ObjectStore real, FakeGcsServerAccess gcs, int total)
      throws IOException {
    Counting counting = new Counting(real, gcs);
    DocumentStore<BenchRun> runs =
        new DocumentStore<>(
            counting,
            ObjectUri.parse("gs://state/training-runner"),
            "runs",
            BenchRun.class,
            JSON,
            List.of(Index.single("owner", BenchRun::owner)));
    long seedStart = System.nanoTime();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Map<String, String> spec =
        Map.of(
            "image", "europe-docker.pkg.dev/p/ml/trainer:1",
            "machineType", "n1-standard-8",
            "args", "--epochs 100 --lr 0.01 --data gs://data/train/");
    for (int i = 0; i < total; i++) {
      runs.create(
          new BenchRun(
              String.format(Locale.ROOT, "run-%026d", i),
              "owner" + (i % OWNERS) + "@example.com",
              "SUCCEEDED",
              spec,
              t0.plusSeconds(i),
              Outbox.empty()));
    }
    double seedS = (System.nanoTime() - seedStart) / 1e9;
    Random random = new Random(42);
    List<Double> millis = new ArrayList<>();
    long reads = 0;
    long lists = 0;
    for (int call = 0; call < CALLS + 5; call++) {
      String owner = "owner" + random.nextInt(OWNERS) + "@example.com";
      counting.reads.set(0);
      counting.lists.set(0);
      long start = System.nanoTime();
      Page<BenchRun> page = runs.list("owner", owner, PAGE, null);
      long nanos = System.nanoTime() - start;
      if (call >= 5) { // the first calls warm the JIT and the clients
        millis.add(nanos / 1e6);
        reads += counting.reads.get();
        lists += counting.lists.get();
      }
      if (page.items().size() != Math.min(PAGE, total / OWNERS)) {
        throw new AssertionError("page of " + page.items().size() + " for " + owner);
      }
    }
    millis.sort(Double::compare);
    System.out.printf(
        Locale.ROOT,
        "BENCH listing %-18s total %,7d runs: %d runs/page, p50 %.1f ms, p95 %.1f ms, max %.1f ms;"
            + " object reads per call %.1f, list calls per call %.1f (seeded in %.0f s)%n",
        label,
        total,
        Math.min(PAGE, total / OWNERS),
        millis.get(millis.size() / 2),
        millis.get((int) (millis.size() * 0.95)),
        millis.get(millis.size() - 1),
        (double) reads / CALLS,
        (double) lists / CALLS,
        seedS);
  }

  /** Counts reads and listings; seeds the local GCS server directly instead of over HTTP. */
  static final class Counting extends ForwardingObjectStore {
    final FakeGcsServerAccess seed;
    final AtomicLong reads = new AtomicLong();
    final AtomicLong lists = new AtomicLong();

    Counting(ObjectStore store, FakeGcsServerAccess seed) {
      super(store);
      this.seed = seed;
    }

    @Override
    public ObjectMetadata write(
        ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
      if (seed == null) {
        return delegate.write(uri, content, contentType, condition);
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        content.transferTo(bytes);
        seed.seed(uri.bucket(), uri.name(), bytes.toByteArray(), contentType);
        return null;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public ObjectRead read(ObjectUri uri) {
      reads.incrementAndGet();
      return delegate.read(uri);
    }

    @Override
    public Optional<ObjectMetadata> stat(ObjectUri uri) {
      reads.incrementAndGet();
      return delegate.stat(uri);
    }

    @Override
    public Page<ObjectMetadata> list(ObjectUri prefix, int pageSize, String pageToken) {
      lists.incrementAndGet();
      return delegate.list(prefix, pageSize, pageToken);
    }
  }
}
