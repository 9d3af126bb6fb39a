package dev.mlcp.platform.objects;

import java.util.List;

/**
 * One page of a delimiter listing ({@link ObjectStore#list(ObjectUri, String, int, String)}): the
 * objects directly under the prefix and the sub-prefixes ("folders") below it, as GCS lists them
 * with {@code delimiter=/}.
 *
 * @param objects objects whose name has no delimiter after the prefix, in name order
 * @param prefixes distinct sub-prefixes, each ending with the delimiter (e.g. {@code
 *     models/churn/}), in name order
 * @param nextPageToken token of the next page, null on the last page
 */
public record ObjectListing(
    List<ObjectMetadata> objects, List<String> prefixes, String nextPageToken) {
  /** Copies the lists. */
  public ObjectListing {
    objects = List.copyOf(objects);
    prefixes = List.copyOf(prefixes);
    if (nextPageToken != null && nextPageToken.isEmpty()) {
      nextPageToken = null;
    }
  }
}
