package dev.mlcp.registry.bench;

import dev.mlcp.platform.objects.ForwardingObjectStore;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An ObjectStore that counts the bytes passing through the service: read from the streams it hands
 * out and written from the streams it is given. A store-side copy counts nothing.
 */
final class CountingStore extends ForwardingObjectStore {
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong bytesWritten = new AtomicLong();

  /**
   * {@link System#nanoTime} of the first delete under a staging prefix, 0 before: registration
   * deletes staging only after the version is recorded (readable, {@code model.registered} sent).
   */
  final AtomicLong firstStagingDelete = new AtomicLong();

  CountingStore(ObjectStore delegate) {
    super(delegate);
  }

  private InputStream counting(InputStream in, AtomicLong counter) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          counter.incrementAndGet();
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          counter.addAndGet(n);
        }
        return n;
      }
    };
  }

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    return delegate.write(uri, counting(content, bytesWritten), contentType, condition);
  }

  @Override
  public ObjectRead read(ObjectUri uri) {
    ObjectRead r = delegate.read(uri);
    return new ObjectRead(r.metadata(), counting(r.stream(), bytesRead));
  }

  @Override
  public ObjectMetadata copy(ObjectUri source, ObjectUri target, WriteCondition condition) {
    return delegate.copy(source, target, condition);
  }

  @Override
  public boolean delete(ObjectUri uri, WriteCondition condition) {
    if (uri.toString().contains("/staging/")) {
      firstStagingDelete.compareAndSet(0, System.nanoTime());
    }
    return delegate.delete(uri, condition);
  }
}
