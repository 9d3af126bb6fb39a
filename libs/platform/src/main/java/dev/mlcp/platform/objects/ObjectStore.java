package dev.mlcp.platform.objects;

import dev.mlcp.platform.Page;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Object storage (GCS semantics): streamed reads and writes, generations and preconditions, paged
 * listings. Failures are {@link dev.mlcp.platform.PlatformException}s.
 */
public interface ObjectStore extends AutoCloseable {

  /**
   * Writes an object from a stream, never holding the whole content in memory.
   *
   * @param uri the object to write
   * @param content the bytes, read to the end (not closed)
   * @param contentType MIME type, may be null
   * @param condition precondition on the current generation; a failure is a CONFLICT
   * @return metadata of the new version
   */
  ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition);

  /** Writes a small object held in memory (state documents). */
  default ObjectMetadata write(
      ObjectUri uri, byte[] content, String contentType, WriteCondition condition) {
    return write(uri, new ByteArrayInputStream(content), contentType, condition);
  }

  /**
   * Opens the current version for streamed reading.
   *
   * @throws dev.mlcp.platform.PlatformException NOT_FOUND when there is no such object
   */
  ObjectRead read(ObjectUri uri);

  /** Metadata of the current version, empty when there is no such object. */
  Optional<ObjectMetadata> stat(ObjectUri uri);

  /**
   * One page of the objects whose names start with {@code prefix.name()}, in name order.
   *
   * @param prefix bucket and name prefix
   * @param pageSize maximum items in the page (the store may return fewer)
   * @param pageToken null for the first page, else the previous page's token
   */
  Page<ObjectMetadata> list(ObjectUri prefix, int pageSize, String pageToken);

  /**
   * One page of the objects directly under {@code prefix} and of the distinct sub-prefixes below
   * it: a name with {@code delimiter} after the prefix is listed once as the prefix up to and
   * including that delimiter, like a folder (GCS {@code delimiter}). Entries come in name order,
   * objects and prefixes together, at most {@code pageSize} of them per page.
   *
   * <p>The default scans every name under the prefix from the start of each page (for stores
   * without native support, e.g. test doubles); adapters answer from the store's own listing.
   *
   * @param delimiter usually {@code /}
   */
  default ObjectListing list(ObjectUri prefix, String delimiter, int pageSize, String pageToken) {
    if (delimiter == null || delimiter.isEmpty() || pageSize <= 0) {
      throw new IllegalArgumentException("a delimiter and a positive page size are required");
    }
    List<ObjectMetadata> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    String last = null;
    try (Stream<ObjectMetadata> all = listAll(prefix)) {
      Iterator<ObjectMetadata> it = all.iterator();
      while (it.hasNext()) {
        ObjectMetadata object = it.next();
        String name = object.uri().name();
        int at = name.indexOf(delimiter, prefix.name().length());
        String entry = at < 0 ? name : name.substring(0, at + delimiter.length());
        if ((pageToken != null && entry.compareTo(pageToken) <= 0) || entry.equals(last)) {
          continue;
        }
        if (objects.size() + prefixes.size() == pageSize) {
          return new ObjectListing(objects, prefixes, last);
        }
        if (at < 0) {
          objects.add(object);
        } else {
          prefixes.add(entry);
        }
        last = entry;
      }
    }
    return new ObjectListing(objects, prefixes, null);
  }

  /** All objects under a prefix, fetched page by page as the stream is consumed. */
  default Stream<ObjectMetadata> listAll(ObjectUri prefix) {
    return Page.all(token -> list(prefix, 1000, token));
  }

  /**
   * Copies the current version of {@code source} to {@code target} (overwriting it).
   *
   * @return metadata of the new target version
   */
  ObjectMetadata copy(ObjectUri source, ObjectUri target);

  /**
   * Copies the current version of {@code source} to {@code target} if the target's current
   * generation meets {@code condition} ({@link WriteCondition#doesNotExist()}: never overwrite),
   * checked atomically with the write; a failed condition is a CONFLICT. GCS copies server side
   * (the bytes do not pass through the caller); the default streams through {@link #read} and a
   * conditional {@link #write}.
   *
   * @return metadata of the new target version (its checksums are the store's)
   */
  default ObjectMetadata copy(ObjectUri source, ObjectUri target, WriteCondition condition) {
    try (ObjectRead in = read(source)) {
      return write(target, in.stream(), in.metadata().contentType(), condition);
    } catch (java.io.IOException e) {
      throw new dev.mlcp.platform.PlatformException(
          dev.mlcp.platform.PlatformException.Kind.TRANSIENT,
          "ioError",
          "cannot copy " + source + " to " + target + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Deletes the object.
   *
   * @return false when it did not exist
   */
  default boolean delete(ObjectUri uri) {
    return delete(uri, WriteCondition.none());
  }

  /**
   * Deletes the object if its current generation meets {@code condition} (GCS {@code
   * ifGenerationMatch}); a failed condition is a CONFLICT.
   *
   * @return false when it did not exist (and the condition allowed that)
   */
  boolean delete(ObjectUri uri, WriteCondition condition);

  /**
   * A URL from which the object can be downloaded without further credentials: a V4 signed URL on
   * GCS (signed with the service's own identity), a {@code file:} URL locally, which only this
   * machine can open: callers serving remote clients stream {@link #read} instead.
   *
   * @param uri the object
   * @param validFor how long the URL stays valid (ignored where URLs do not expire)
   */
  URI downloadUrl(ObjectUri uri, Duration validFor);

  /** Releases clients and files; the default does nothing. */
  @Override
  default void close() {}
}
