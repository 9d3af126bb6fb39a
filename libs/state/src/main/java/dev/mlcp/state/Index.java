package dev.mlcp.state;

import java.util.Set;
import java.util.function.Function;

/**
 * A secondary index of a {@link DocumentStore}: for each document, the keys it is listed under
 * (e.g. its owner, its owner and state, {@code active}). One small object per (key, document) is
 * written before the document and removed after it leaves the key, so listing a key reads only that
 * key's entries, newest first, whatever the total number of documents.
 *
 * @param name index name; a path segment ({@code [a-z0-9-]+})
 * @param keys the keys a document is listed under; empty for none
 * @param <D> the document type
 */
public record Index<D>(String name, Function<D, Set<String>> keys) {
  public Index {
    if (name == null || !name.matches("[a-z0-9-]{1,40}")) {
      throw new IllegalArgumentException("index name must match [a-z0-9-]{1,40}: " + name);
    }
  }

  /** An index with at most one key per document; {@code key} returns null for none. */
  public static <D> Index<D> single(String name, Function<D, String> key) {
    return new Index<>(
        name,
        d -> {
          String k = key.apply(d);
          return k == null ? Set.of() : Set.of(k);
        });
  }
}
