package dev.mlcp.registry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import dev.mlcp.registry.models.MutableClock;
import dev.mlcp.registry.models.Registration;
import dev.mlcp.registry.models.RegistryFixture;
import dev.mlcp.registry.models.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registering a large artifact (default 1 GiB in 100 files, {@code -Dbench.mib}, {@code
 * -Dbench.files}) from local staging into the local registry, against {@code cp -r} of the same
 * files in the same run: throughput, bytes through the service, peak heap above baseline. Streamed
 * (SHA-256 per file) and server-side (the store's copy) are both measured.
 */
@Tag("bench")
class RegisterLargeArtifactBenchTest {
  static final int MIB = Integer.getInteger("bench.mib", 1024);
  static final int FILES = Integer.getInteger("bench.files", 100);

  /** {@code mlcp.registry.max-files}' default. */
  static final int MAX_FILES = 10_000;

  @TempDir Path dir;

  @Test
  void register_a_large_artifact_against_cp() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    LocalDirectoryObjectStore local = new LocalDirectoryObjectStore(dir.resolve("objects"), clock);
    long perFile = (long) MIB * 1024 * 1024 / FILES;
    String streamRun = String.format("run-%026d", 1);
    String serverRun = String.format("run-%026d", 2);
    for (String run : new String[] {streamRun, serverRun}) {
      ObjectUri staging = ObjectUri.parse("gs://mlcp-test-staging/staging/" + run + "/");
      for (int i = 0; i < FILES; i++) {
        local.write(
            staging.resolve(String.format("shards/part-%03d.bin", i)),
            new Pattern(perFile, i),
            "application/octet-stream",
            WriteCondition.none());
      }
      local.write(
          staging.resolve("metrics.json"),
          "{\"accuracy\":0.9}".getBytes(StandardCharsets.UTF_8),
          "application/json",
          WriteCondition.none());
    }
    long bytes = perFile * FILES;

    Path cpSource =
        local.dataPath(ObjectUri.parse("gs://mlcp-test-staging/staging/" + streamRun + "/"));
    Path cpTarget = dir.resolve("cp-target");
    dropCaches();
    long cpStart = System.nanoTime();
    Process cp =
        new ProcessBuilder("cp", "-r", cpSource.toString(), cpTarget.toString())
            .inheritIO()
            .start();
    assertThat(cp.waitFor(10, TimeUnit.MINUTES)).isTrue();
    double cpSeconds = (System.nanoTime() - cpStart) / 1e9;

    Result stream = register(dir, clock, local, streamRun, RegistrySettings.CopyMode.STREAM);
    Result server = register(dir, clock, local, serverRun, RegistrySettings.CopyMode.SERVER_SIDE);

    double cpRate = bytes / 1048576.0 / cpSeconds;
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "BENCH register %d MiB in %d files (max heap %d MiB)%n",
        MIB,
        FILES,
        Runtime.getRuntime().maxMemory() / 1048576);
    System.out.printf(
        Locale.ROOT, "BENCH cp -r                 : %7.1f MiB/s (%.2f s)%n", cpRate, cpSeconds);
    print("streamed (SHA-256)", stream, bytes, cpRate);
    print("server-side copy", server, bytes, cpRate);
    assertThat(stream.state()).as(stream.reason()).isEqualTo(Registration.RegistrationState.DONE);
    assertThat(server.state()).as(server.reason()).isEqualTo(Registration.RegistrationState.DONE);
  }

  private static void print(String label, Result r, long bytes, double cpRate) {
    double rate = bytes / 1048576.0 / r.seconds();
    double registered = bytes / 1048576.0 / r.registeredSeconds();
    System.out.printf(
        Locale.ROOT,
        "BENCH %-22s: registered %7.1f MiB/s (%.2f s), %.2f x cp; done incl. staging deleted"
            + " %7.1f MiB/s (%.2f s), %.2f x cp; through the service: read %d MiB, written %d MiB;"
            + " peak heap above baseline %.1f MiB%n",
        label,
        registered,
        r.registeredSeconds(),
        registered / cpRate,
        rate,
        r.seconds(),
        rate / cpRate,
        r.read() / 1048576,
        r.written() / 1048576,
        r.peakHeapMib());
  }

  record Result(
      Registration.RegistrationState state,
      String reason,
      double seconds,
      double registeredSeconds,
      long read,
      long written,
      double peakHeapMib) {}

  private static Result register(
      Path dir,
      MutableClock clock,
      LocalDirectoryObjectStore local,
      String run,
      RegistrySettings.CopyMode mode)
      throws IOException {
    CountingStore counting = new CountingStore(local);
    // Warehouse rows are flushed on one background thread, as in the service (RegistryBeans).
    ExecutorService rowWriter = Executors.newSingleThreadExecutor();
    // The production limit of files per version (mlcp.registry.max-files): the unit tests'
    // fixture allows 100, and 100 shards plus metrics.json are 101 files.
    RegistryFixture f =
        new RegistryFixture(
            clock,
            counting,
            new DuckDbWarehouse(dir.resolve("warehouse-" + mode + ".duckdb")),
            new CopyOnWriteArrayList<>(),
            new AtomicBoolean(),
            mode,
            null,
            rowWriter,
            MAX_FILES);
    dropCaches();
    Registration r;
    double seconds;
    double registeredSeconds;
    double peak;
    try (HeapPeak heap = new HeapPeak()) {
      long start = System.nanoTime();
      r = f.registrations.onSucceeded(f.ciRun(run, "bench-" + mode.wireName())).orElseThrow();
      seconds = (System.nanoTime() - start) / 1e9;
      long registeredAt = counting.firstStagingDelete.get();
      registeredSeconds = registeredAt == 0 ? seconds : (registeredAt - start) / 1e9;
      peak = heap.peakAboveBaselineMib();
    } finally {
      rowWriter.shutdown();
    }
    try {
      rowWriter.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new Result(
        r.state(),
        r.reason(),
        seconds,
        registeredSeconds,
        counting.bytesRead.get(),
        counting.bytesWritten.get(),
        peak);
  }

  /** Best effort: flush dirty pages so every measurement starts from the same place. */
  private static void dropCaches() {
    try {
      new ProcessBuilder("sync").start().waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      // not on this machine
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (Files.isWritable(Path.of("/proc/sys/vm/drop_caches"))) {
      try {
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
      } catch (IOException e) {
        // not allowed
      }
    }
  }

  /** A deterministic byte stream that is never held in memory; {@code seed} varies the files. */
  static final class Pattern extends InputStream {
    private final long size;
    private final int seed;
    private long position;

    Pattern(long size, int seed) {
      this.size = size;
      this.seed = seed;
    }

    @Override
    public int read() {
      return position < size ? (int) ((position++ * 31 + seed) & 0xFF) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) ((position++ * 31 + seed) & 0xFF);
      }
      return n;
    }
  }
}
