package dev.mlcp.platform.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectStoreContract.PatternStream;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.gcp.FakeGcsServerAccess;
import dev.mlcp.platform.objects.gcp.GcsObjectStore;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams a file through ObjectStore write then read (local adapter, and GCS adapter against the
 * local GCS JSON API server) and compares with {@code cp} of the same file in the same run. Prints
 * throughput and peak heap for a small and a large object: the heap must not grow with object size.
 * Size: {@code -Dbench.mib=1024} (default).
 */
class ObjectStreamBenchmark {

  @TempDir Path dir;

  @Test
  void stream_through_object_stores_versus_cp() throws Exception {
    long bigMib = Long.getLong("bench.mib", 1024);
    for (long mib : new long[] {64, bigMib}) {
      long size = mib * 1024 * 1024;
      Path source = dir.resolve("source-" + mib + ".bin");
      try (InputStream in = new PatternStream(size);
          OutputStream out = Files.newOutputStream(source)) {
        in.transferTo(out);
      }
      double cp = cp(source, dir.resolve("cp-" + mib + ".bin"), size);
      System.out.printf("BENCH object-stream size=%d MiB cp=%.0f MiB/s%n", mib, cp);
      try (ObjectStore local = new LocalDirectoryObjectStore(dir.resolve("local-" + mib))) {
        run("local", local, source, size, cp);
      }
      try (FakeGcsServerAccess gcs = new FakeGcsServerAccess(dir.resolve("gcs-" + mib));
          ObjectStore store =
              new GcsObjectStore(
                  dev.mlcp.platform.objects.gcp.GcsStorageForBench.storage(gcs.baseUrl()), null)) {
        run("gcs-local-server", store, source, size, cp);
      }
      Files.delete(source);
    }
  }

  private static double cp(Path source, Path target, long size) throws Exception {
    long start = System.nanoTime();
    Process p = new ProcessBuilder("cp", source.toString(), target.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    double seconds = (System.nanoTime() - start) / 1e9;
    Files.delete(target);
    return size / 1024.0 / 1024.0 / seconds;
  }

  private void run(String name, ObjectStore store, Path source, long size, double cp)
      throws Exception {
    ObjectUri uri = ObjectUri.parse("gs://bench-bucket/data/blob.bin");
    Path out = dir.resolve("read-back.bin");
    try (HeapSampler heap = new HeapSampler()) {
      long start = System.nanoTime();
      try (InputStream in = Files.newInputStream(source)) {
        store.write(uri, in, "application/octet-stream", WriteCondition.none());
      }
      long written = System.nanoTime();
      try (ObjectRead read = store.read(uri);
          OutputStream o =
              Files.newOutputStream(
                  out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
        read.stream().transferTo(o);
      }
      long done = System.nanoTime();
      double mib = size / 1024.0 / 1024.0;
      double writeRate = mib / ((written - start) / 1e9);
      double readRate = mib / ((done - written) / 1e9);
      // cp reads and writes each byte once; write+read through the store does that twice.
      System.out.printf(
          "BENCH object-stream adapter=%s size=%.0f MiB write=%.0f MiB/s (%.2fx cp) read=%.0f MiB/s (%.2fx cp)"
              + " peakHeapAboveBaseline=%.1f MiB maxHeap=%d MiB%n",
          name,
          mib,
          writeRate,
          writeRate / cp,
          readRate,
          readRate / cp,
          heap.peakAboveBaselineMib(),
          Runtime.getRuntime().maxMemory() / 1024 / 1024);
    }
    assertThat(Files.size(out)).isEqualTo(size);
    try (InputStream in = Files.newInputStream(out)) {
      assertThat(PatternStream.matches(in, size)).isTrue();
    }
    Files.delete(out);
    store.delete(uri);
  }
}
