package dev.mlcp.registry.models;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** An ObjectStore whose writes of one file name in one bucket flip the first byte (a bad disk). */
final class CorruptingStore implements ObjectStore {
  private final ObjectStore delegate;
  private final String bucket;
  private final String suffix;

  CorruptingStore(ObjectStore delegate, String bucket, String suffix) {
    this.delegate = delegate;
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

  @Override
  public ObjectRead read(ObjectUri uri) {
    return delegate.read(uri);
  }

  @Override
  public Optional<ObjectMetadata> stat(ObjectUri uri) {
    return delegate.stat(uri);
  }

  @Override
  public Page<ObjectMetadata> list(ObjectUri prefix, int pageSize, String pageToken) {
    return delegate.list(prefix, pageSize, pageToken);
  }

  @Override
  public ObjectMetadata copy(ObjectUri source, ObjectUri target) {
    return delegate.copy(source, target);
  }

  @Override
  public boolean delete(ObjectUri uri, WriteCondition condition) {
    return delegate.delete(uri, condition);
  }

  @Override
  public URI downloadUrl(ObjectUri uri, Duration validFor) {
    return delegate.downloadUrl(uri, validFor);
  }
}
