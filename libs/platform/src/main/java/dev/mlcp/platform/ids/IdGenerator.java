package dev.mlcp.platform.ids;

/** Makes unique, time-ordered identifiers (e.g. run ids {@code run-<ulid>}). */
public interface IdGenerator {

  /** A new unique id, lexicographically ordered by creation time. */
  String newId();

  /** A new id with a prefix, e.g. {@code prefixed("run")} gives {@code run-<id>}. */
  default String prefixed(String prefix) {
    return prefix + "-" + newId();
  }
}
