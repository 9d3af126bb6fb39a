package dev.mlcp.state;

import java.time.Instant;

/**
 * A state document: one JSON object in the ObjectStore, changed only by compare-and-set, carrying
 * the events its transitions caused until they are published ({@link Outbox}).
 *
 * @param <D> the document type itself
 */
public interface Document<D extends Document<D>> {

  /** Unique id; also the object name ({@code <kind>/<id>.json}), so no {@code /}. */
  String id();

  /** Creation time: index listings return the newest first. */
  Instant createdAt();

  /** Events caused by transitions and not yet published. */
  Outbox outbox();

  /** This document with {@code outbox} in place of its own. */
  D withOutbox(Outbox outbox);
}
