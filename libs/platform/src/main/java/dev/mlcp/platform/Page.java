package dev.mlcp.platform;

import java.util.List;
import java.util.Optional;

/**
 * One page of a listing.
 *
 * @param items the items of this page
 * @param nextPageToken token for the next page, null when this is the last page
 * @param <T> item type
 */
public record Page<T>(List<T> items, String nextPageToken) {

  /** Copies the items. */
  public Page {
    items = List.copyOf(items);
    if (nextPageToken != null && nextPageToken.isEmpty()) {
      nextPageToken = null;
    }
  }

  /** The token of the next page, if there is one. */
  public Optional<String> next() {
    return Optional.ofNullable(nextPageToken);
  }
}
