package dev.mlcp.registry.models;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Copies staged files into a version, never overwriting ({@code ifGenerationMatch=0}), and proves
 * each copy is the file: in {@link RegistrySettings.CopyMode#STREAM} mode the bytes stream through
 * {@link Digests} once (SHA-256, CRC32C, size; nothing held in memory), the CRC32C is checked
 * against the source's and the copy's stored ones, and the copy's MD5 (which the store computes as
 * it writes) against the source's; in {@link RegistrySettings.CopyMode#SERVER_SIDE} mode the store
 * copies and the copy's CRC32C/MD5 are checked against the source's. A target that already exists
 * (a resumed registration) is verified instead of written.
 *
 * <p>{@link #copyAll} copies up to {@code parallelism} files of one version at a time: the calling
 * thread and {@code parallelism - 1} helpers from the executor take the next file until none is
 * left or one failed, and the call returns only once every helper has stopped (so a rejected
 * version's partial copy is removed after its last write).
 */
public final class Copier {
  /** Files of one version copied at once by default. */
  public static final int PARALLELISM = 4;

  private final ObjectStore store;
  private final RegistrySettings.CopyMode mode;
  private final Executor helpers;
  private final int parallelism;

  /** A copier that copies one file at a time on the calling thread. */
  public Copier(ObjectStore store, RegistrySettings.CopyMode mode) {
    this(store, mode, Runnable::run, 1);
  }

  /**
   * A copier that copies up to {@code parallelism} files at once, with helpers from {@code
   * helpers}.
   */
  public Copier(
      ObjectStore store, RegistrySettings.CopyMode mode, Executor helpers, int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
    this.store = store;
    this.mode = mode;
    this.helpers = helpers;
    this.parallelism = parallelism;
  }

  /** The copy mode. */
  public RegistrySettings.CopyMode mode() {
    return mode;
  }

  /**
   * One file to copy.
   *
   * @param source the staged file, as listed
   * @param target where it goes
   * @param path its path relative to the version, for the manifest and messages
   */
  public record Task(ObjectMetadata source, ObjectUri target, String path) {}

  /**
   * Copies every task's file, up to {@code parallelism} at once.
   *
   * @param between run by the calling thread first, before each file it copies and every second
   *     while it waits for the helpers (e.g. renewing a lease when due); an exception from it stops
   *     the copy like a failed file
   * @return the manifest entries, in the tasks' order
   * @throws ChecksumMismatchException when a copy is not its staged file (the first such)
   */
  public List<Manifest.File> copyAll(List<Task> tasks, Runnable between)
      throws ChecksumMismatchException {
    return inParallel(tasks, between, t -> copy(t.source(), t.target(), t.path()));
  }

  /**
   * Deletes {@code objects} (a registered run's staging), up to {@code parallelism} at once.
   *
   * @return how many existed
   */
  public int deleteAll(List<ObjectUri> objects) {
    try {
      return (int) inParallel(objects, () -> {}, store::delete).stream().filter(b -> b).count();
    } catch (ChecksumMismatchException e) {
      throw new IllegalStateException("a delete compares no checksum", e);
    }
  }

  /** One unit of work of {@link #inParallel}. */
  @FunctionalInterface
  private interface Work<T, R> {
    R apply(T item) throws ChecksumMismatchException;
  }

  /**
   * Applies {@code work} to every item, up to {@code parallelism} at once: the calling thread and
   * helpers take the next item until none is left or one failed; returns (or throws the first
   * failure) only once every helper has stopped.
   */
  private <T, R> List<R> inParallel(List<T> items, Runnable between, Work<T, R> work)
      throws ChecksumMismatchException {
    between.run();
    List<R> results = new ArrayList<R>(Collections.<R>nCopies(items.size(), null));
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int helperCount = Math.min(parallelism, items.size()) - 1;
    CountDownLatch stopped = new CountDownLatch(Math.max(0, helperCount));
    for (int h = 0; h < helperCount; h++) {
      Runnable helper =
          () -> {
            try {
              work(items, results, next, failure, () -> {}, work);
            } finally {
              stopped.countDown();
            }
          };
      try {
        helpers.execute(helper);
      } catch (RejectedExecutionException e) {
        stopped.countDown(); // the others (and this thread) do its share
      }
    }
    work(items, results, next, failure, between, work);
    boolean interrupted = false;
    while (true) {
      try {
        if (stopped.await(1, TimeUnit.SECONDS)) {
          break;
        }
        if (failure.get() == null) {
          between.run(); // helpers still copy large files: keep the lease
        }
      } catch (InterruptedException e) {
        interrupted = true; // the helpers still write: wait for them, then restore the flag
      } catch (RuntimeException | Error e) {
        failure.compareAndSet(null, e); // helpers take no further item; wait for them
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable t = failure.get();
    if (t instanceof ChecksumMismatchException c) {
      throw c;
    } else if (t instanceof RuntimeException r) {
      throw r;
    } else if (t instanceof Error e) {
      throw e;
    } else if (t != null) {
      throw new IllegalStateException(t);
    }
    return results;
  }

  private static <T, R> void work(
      List<T> items,
      List<R> results,
      AtomicInteger next,
      AtomicReference<Throwable> failure,
      Runnable between,
      Work<T, R> work) {
    while (failure.get() == null) {
      int i = next.getAndIncrement();
      if (i >= items.size()) {
        return;
      }
      try {
        between.run();
        R result = work.apply(items.get(i));
        synchronized (results) {
          results.set(i, result);
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }
  }

  /**
   * Copies {@code source} (as listed) to {@code target}.
   *
   * @param path the file's path relative to the version, for the manifest and messages
   * @throws ChecksumMismatchException when the copy is not the staged file
   */
  public Manifest.File copy(ObjectMetadata source, ObjectUri target, String path)
      throws ChecksumMismatchException {
    return mode == RegistrySettings.CopyMode.STREAM
        ? stream(source, target, path)
        : serverSide(source, target, path);
  }

  private Manifest.File stream(ObjectMetadata listed, ObjectUri target, String path)
      throws ChecksumMismatchException {
    Digests.Result digest;
    ObjectMetadata source;
    ObjectMetadata written;
    try (ObjectRead in = store.read(listed.uri())) {
      source = in.metadata();
      // One pass: SHA-256 for the manifest, CRC32C to tie what was read to both stored objects;
      // the copy's MD5 is the store's, compared with the source's below.
      Digests digests = Digests.withoutMd5(in.stream());
      try {
        written = store.write(target, digests, source.contentType(), WriteCondition.doesNotExist());
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT) {
          throw e;
        }
        return existing(source, target, path);
      }
      digest = digests.result();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + listed.uri(), e);
    }
    same(path, "size of the staged file", source.size(), digest.size());
    sameChecksum(path, "CRC32C of the staged file", source.crc32c(), digest.crc32c());
    same(path, "size of the copy", written.size(), digest.size());
    sameChecksum(path, "CRC32C of the copy", written.crc32c(), digest.crc32c());
    if (source.md5() != null && written.md5() != null) {
      same(path, "MD5 of the copy", source.md5(), written.md5());
    }
    return new Manifest.File(path, digest.size(), digest.sha256(), digest.crc32c(), written.md5());
  }

  private Manifest.File serverSide(ObjectMetadata source, ObjectUri target, String path)
      throws ChecksumMismatchException {
    if (source.crc32c() == null && source.md5() == null) {
      throw new ChecksumMismatchException(path, "the store reports no checksum for it");
    }
    ObjectMetadata written;
    try {
      written = store.copy(source.uri(), target, WriteCondition.doesNotExist());
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT) {
        throw e;
      }
      written =
          store
              .stat(target)
              .orElseThrow(() -> new IllegalStateException(target + " vanished after a conflict"));
    }
    same(path, "size", source.size(), written.size());
    if (source.crc32c() != null || written.crc32c() != null) {
      same(path, "CRC32C", source.crc32c(), written.crc32c());
    }
    if (source.md5() != null && written.md5() != null) {
      same(path, "MD5", source.md5(), written.md5());
    }
    return new Manifest.File(path, written.size(), null, written.crc32c(), written.md5());
  }

  /** A copy made by an earlier attempt: read it back and compare with the staged file. */
  private Manifest.File existing(ObjectMetadata source, ObjectUri target, String path)
      throws ChecksumMismatchException {
    Digests.Result digest;
    try (ObjectRead copy = store.read(target)) {
      digest = Digests.of(copy.stream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + target, e);
    }
    same(path, "size of the existing copy", source.size(), digest.size());
    sameChecksum(path, "MD5 of the existing copy", source.md5(), digest.md5());
    sameChecksum(path, "CRC32C of the existing copy", source.crc32c(), digest.crc32c());
    return new Manifest.File(path, digest.size(), digest.sha256(), digest.crc32c(), digest.md5());
  }

  private static void same(String path, String what, Object expected, Object actual)
      throws ChecksumMismatchException {
    if (!Objects.equals(expected, actual)) {
      throw new ChecksumMismatchException(
          path, what + " differs: staged " + expected + ", copied " + actual);
    }
  }

  /** Compares when the store reported the checksum (composite objects have no MD5). */
  private static void sameChecksum(String path, String what, String stored, String computed)
      throws ChecksumMismatchException {
    if (stored != null && !stored.equals(computed)) {
      throw new ChecksumMismatchException(
          path, what + " differs: stored " + stored + ", computed " + computed);
    }
  }
}
