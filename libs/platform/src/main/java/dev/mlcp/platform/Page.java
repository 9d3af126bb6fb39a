package dev.mlcp.platform;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

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

  /**
   * Every item of a paged listing, in order: the first page now, each further page when the stream
   * reaches it (never the whole listing in memory).
   *
   * @param fetch the page after a token (null: the first page)
   */
  public static <T> Stream<T> all(Function<String, Page<T>> fetch) {
    Iterator<T> it =
        new Iterator<>() {
          private Page<T> page = fetch.apply(null);
          private Iterator<T> items = page.items().iterator();

          @Override
          public boolean hasNext() {
            while (!items.hasNext() && page.nextPageToken() != null) {
              page = fetch.apply(page.nextPageToken());
              items = page.items().iterator();
            }
            return items.hasNext();
          }

          @Override
          public T next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return items.next();
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false);
  }
}
