package dev.mlcp.platform.objects;

import dev.mlcp.platform.Page;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * An {@link ObjectStore} that hands every abstract operation to {@code delegate}: the base of the
 * tests' counting, corrupting and tracking stores, which override what they watch. The interface's
 * default methods are not forwarded: they run on this store, so a subclass sees (and counts) the
 * calls they are made of, as before the base existed; override one to forward it.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
  protected final ObjectStore delegate;

  protected ForwardingObjectStore(ObjectStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    return delegate.write(uri, content, contentType, condition);
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
