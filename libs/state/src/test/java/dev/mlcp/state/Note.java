package dev.mlcp.state;

import java.time.Instant;

/** A test document: an owner, a state, a counter. */
record Note(String id, String owner, String state, int counter, Instant createdAt, Outbox outbox)
    implements Document<Note> {
  Note {
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  static Note of(String id, String owner, Instant createdAt) {
    return new Note(id, owner, "OPEN", 0, createdAt, Outbox.empty());
  }

  Note withState(String next) {
    return new Note(id, owner, next, counter, createdAt, outbox);
  }

  Note incremented() {
    return new Note(id, owner, state, counter + 1, createdAt, outbox);
  }

  @Override
  public Note withOutbox(Outbox next) {
    return new Note(id, owner, state, counter, createdAt, next);
  }
}
