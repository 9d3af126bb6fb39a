package dev.mlcp.registry.models;

import dev.mlcp.platform.objects.ForwardingObjectStore;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** An ObjectStore whose writes of one file name in one bucket flip the first byte (a bad disk). */
final class CorruptingStore extends ForwardingObjectStore {
  private final String bucket;
  private final String suffix;

  CorruptingStore(ObjectStore delegate, String bucket, String suffix) {
    super(delegate);
    this.bucket = bucket;
    this.suffix = suffix;
  }

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    if (!uri.bucket().equals(bucket) || !uri.name().endsWith(suffix)) {
      return delegate.write(uri, content, contentType, condition);
    }
    InputStream flipped =
        new FilterInputStream(content) {
          private boolean first = true;

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && first) {
              b[off] ^= 0x20;
              first = false;
            }
            return n;
          }
        };
    return delegate.write(uri, flipped, contentType, condition);
  }
}
