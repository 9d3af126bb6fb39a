package dev.mlcp.state;

/**
 * The outcome of {@link DocumentStore#update}: the document before and after. When the change
 * function returned its argument unchanged, nothing was written and {@code before == after}.
 *
 * @param before the document the winning attempt started from
 * @param after the document as stored now
 */
public record Change<D>(D before, D after) {
  /** Whether this call wrote a new version (and so owns the transition's side effects). */
  public boolean changed() {
    return before != after;
  }
}
