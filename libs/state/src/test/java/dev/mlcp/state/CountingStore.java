package dev.mlcp.state;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.objects.ForwardingObjectStore;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the calls made to a real store. */
final class CountingStore extends ForwardingObjectStore {
  final AtomicLong reads = new AtomicLong();
  final AtomicLong lists = new AtomicLong();
  final AtomicLong writes = new AtomicLong();

  /** Writes of objects whose name ends with this fail as a transient error (a crash mid-create). */
  volatile String failWritesEndingWith;

  CountingStore(ObjectStore store) {
    super(store);
  }

  void reset() {
    reads.set(0);
    lists.set(0);
    writes.set(0);
  }

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    writes.incrementAndGet();
    String fail = failWritesEndingWith;
    if (fail != null && uri.name().endsWith(fail)) {
      throw new dev.mlcp.platform.PlatformException(
          dev.mlcp.platform.PlatformException.Kind.TRANSIENT,
          "test",
          "write of " + uri + " failed");
    }
    return delegate.write(uri, content, contentType, condition);
  }

  /** Runs once, just before the read of an object whose name ends with the given suffix. */
  private volatile String beforeReadOf;

  private volatile Runnable beforeRead;

  /** Runs {@code action} once, before the next read of an object named {@code ...suffix}. */
  void beforeNextReadOf(String suffix, Runnable action) {
    beforeRead = action;
    beforeReadOf = suffix;
  }

  @Override
  public ObjectRead read(ObjectUri uri) {
    reads.incrementAndGet();
    String suffix = beforeReadOf;
    if (suffix != null && uri.name().endsWith(suffix)) {
      beforeReadOf = null;
      beforeRead.run();
    }
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
