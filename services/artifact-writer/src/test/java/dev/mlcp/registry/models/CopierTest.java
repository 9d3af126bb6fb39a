package dev.mlcp.registry.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.objects.ForwardingObjectStore;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopierTest {
  @TempDir Path dir;

  private final ExecutorService helpers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    helpers.shutdownNow();
  }

  static final ObjectUri STAGING = ObjectUri.parse("gs://mlcp-test-staging/staging/run-1/");
  static final ObjectUri TARGET = ObjectUri.parse("gs://mlcp-test-models/models/m/versions/1/");

  /** {@code n} staged files {@code part-i.txt} holding {@code "content i"}, as tasks. */
  private static List<Copier.Task> staged(ObjectStore store, int n) {
    List<Copier.Task> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String path = "part-" + i + ".txt";
      ObjectMetadata m =
          store.write(
              STAGING.resolve(path),
              ("content " + i).getBytes(StandardCharsets.UTF_8),
              "text/plain",
              WriteCondition.none());
      tasks.add(new Copier.Task(m, TARGET.resolve(path), path));
    }
    return tasks;
  }

  @Test
  void files_are_copied_up_to_four_at_once_and_listed_in_order_with_their_sha256()
      throws Exception {
    LocalDirectoryObjectStore local = new LocalDirectoryObjectStore(dir);
    // Each write waits (at most 5 s) until a second write is in flight: one file after another
    // would show a peak of 1.
    CountDownLatch twoInFlight = new CountDownLatch(2);
    TrackingStore store = new TrackingStore(local, twoInFlight);
    List<Copier.Task> tasks = staged(local, 12);
    Copier copier = new Copier(store, RegistrySettings.CopyMode.STREAM, helpers, 4);

    List<Manifest.File> files = copier.copyAll(tasks, () -> {});

    assertThat(store.peak.get()).as("files copied at once").isBetween(2, 4);
    assertThat(files)
        .extracting(Manifest.File::path)
        .containsExactlyElementsOf(tasks.stream().map(Copier.Task::path).toList());
    for (int i = 0; i < files.size(); i++) {
      assertThat(files.get(i).sha256())
          .isEqualTo(Digests.sha256(("content " + i).getBytes(StandardCharsets.UTF_8)));
      assertThat(files.get(i).md5()).as("the store's MD5 of the copy").isNotNull();
      assertThat(files.get(i).crc32c()).isNotNull();
    }
  }

  @Test
  void a_corrupt_copy_fails_the_call_only_after_every_helper_stopped_writing() {
    LocalDirectoryObjectStore local = new LocalDirectoryObjectStore(dir);
    List<Copier.Task> tasks = staged(local, 40);
    TrackingStore store =
        new TrackingStore(
            new CorruptingStore(local, "mlcp-test-models", "part-3.txt"), new CountDownLatch(0));
    Copier copier = new Copier(store, RegistrySettings.CopyMode.STREAM, helpers, 4);

    assertThatThrownBy(() -> copier.copyAll(tasks, () -> {}))
        .isInstanceOfSatisfying(
            ChecksumMismatchException.class, e -> assertThat(e.path()).isEqualTo("part-3.txt"));
    assertThat(store.inFlight.get()).as("writes still running when the call returned").isZero();
  }

  @Test
  void a_failing_lease_renewal_stops_the_copy() {
    LocalDirectoryObjectStore local = new LocalDirectoryObjectStore(dir);
    List<Copier.Task> tasks = staged(local, 10);
    Copier copier = new Copier(local, RegistrySettings.CopyMode.STREAM, helpers, 4);

    assertThatThrownBy(
            () ->
                copier.copyAll(
                    tasks,
                    () -> {
                      throw new IllegalStateException("lease lost");
                    }))
        .hasMessage("lease lost");
  }

  /** Counts writes in flight and their peak; each write waits for {@code gate} (at most 5 s). */
  static final class TrackingStore extends ForwardingObjectStore {
    final CountDownLatch gate;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger peak = new AtomicInteger();

    TrackingStore(ObjectStore delegate, CountDownLatch gate) {
      super(delegate);
      this.gate = gate;
    }

    @Override
    public ObjectMetadata write(
        ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
      int now = inFlight.incrementAndGet();
      peak.accumulateAndGet(now, Math::max);
      try {
        gate.countDown();
        gate.await(5, TimeUnit.SECONDS);
        return delegate.write(uri, content, contentType, condition);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }
}
