package dev.mlcp.platform.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive locks for the local adapters that hold across threads of this JVM (a {@link
 * ReentrantLock} per lock file) and across processes (an OS file lock), so that two services
 * sharing a state directory see the same atomicity as one.
 */
public final class LocalLocks {

  private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

  private LocalLocks() {}

  /** A held lock; closing releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** Blocks until the lock named by {@code lockFile} is held by this thread and process. */
  public static Held acquire(Path lockFile) {
    Path key = lockFile.toAbsolutePath().normalize();
    ReentrantLock jvmLock = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
    jvmLock.lock();
    FileChannel channel = null;
    FileLock fileLock;
    try {
      Files.createDirectories(key.getParent());
      channel =
          FileChannel.open(
              key, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      fileLock = channel.lock();
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      jvmLock.unlock();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot lock " + key, io);
      }
      throw (RuntimeException) e;
    }
    FileChannel held = channel;
    return () -> {
      try {
        fileLock.release();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        closeQuietly(held);
        jvmLock.unlock();
      }
    };
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Nothing left to release.
      }
    }
  }
}
