package dev.mlcp.training.bench;

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

/**
 * Counts the calls a benchmark makes to the real store it wraps: on GCS each is at least one
 * network round trip, so the count says what a pass would cost there, which a local directory
 * cannot show.
 */
final class CountingObjectStore extends ForwardingObjectStore {
  final AtomicLong reads = new AtomicLong();
  final AtomicLong writes = new AtomicLong();
  final AtomicLong stats = new AtomicLong();
  final AtomicLong listPages = new AtomicLong();
  final AtomicLong deletes = new AtomicLong();

  CountingObjectStore(ObjectStore store) {
    super(store);
  }

  void reset() {
    reads.set(0);
    writes.set(0);
    stats.set(0);
    listPages.set(0);
    deletes.set(0);
  }

  String counts() {
    return "reads="
        + reads
        + " writes="
        + writes
        + " stats="
        + stats
        + " listPages="
        + listPages
        + " deletes="
        + deletes;
  }

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    writes.incrementAndGet();
    return delegate.write(uri, content, contentType, condition);
  }

  @Override
  public ObjectRead read(ObjectUri uri) {
    reads.incrementAndGet();
    return delegate.read(uri);
  }

  @Override
  public Optional<ObjectMetadata> stat(ObjectUri uri) {
    stats.incrementAndGet();
    return delegate.stat(uri);
  }

  @Override
  public Page<ObjectMetadata> list(ObjectUri prefix, int pageSize, String pageToken) {
    listPages.incrementAndGet();
    return delegate.list(prefix, pageSize, pageToken);
  }

  @Override
  public boolean delete(ObjectUri uri, WriteCondition condition) {
    deletes.incrementAndGet();
    return delegate.delete(uri, condition);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
