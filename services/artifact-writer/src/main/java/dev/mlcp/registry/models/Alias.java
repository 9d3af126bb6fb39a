package dev.mlcp.registry.models;

import dev.mlcp.events.ModelEvent;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A mutable pointer to a version ({@code production}, {@code champion}, …) with its append-only
 * history: every move is added in the same compare-and-set write as the move itself, and no
 * transition removes or changes an entry. {@link #versionAt} answers which version the alias held
 * at a given time (MLflow cannot, mlflow#2169).
 *
 * @param id {@code <model>.<alias>}
 * @param model the model
 * @param name the alias
 * @param version the version it points at; 0 while unset
 * @param sequence how many moves it has had
 * @param history every move, oldest first
 * @param rowsThrough the last move whose {@code alias_history} row is in the warehouse
 * @param createdAt when it was first set
 * @param updatedAt its last move
 * @param outbox events not yet published
 */
public record Alias(
    String id,
    String model,
    String name,
    int version,
    long sequence,
    List<Move> history,
    long rowsThrough,
    Instant createdAt,
    Instant updatedAt,
    Outbox outbox)
    implements Document<Alias> {

  public Alias {
    history = history == null ? List.of() : List.copyOf(history);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /**
   * One move.
   *
   * @param sequence its number, from 1
   * @param fromVersion the version before, 0 for unset
   * @param toVersion the version after
   * @param by who moved it: {@code gate} or the caller's email
   * @param via {@code gate}, {@code manual} or {@code admin}
   * @param reason why, in words
   * @param at when
   */
  public record Move(
      long sequence,
      int fromVersion,
      int toVersion,
      String by,
      String via,
      String reason,
      Instant at) {}

  /** How a move was made. */
  public enum Via {
    /** The validation gate passed the version. */
    GATE,
    /**
     * The model's owner (or an admin) moved an unprotected alias, or a protected one to a version
     * the gate passed.
     */
    MANUAL,
    /** An admin moved a protected alias, with a reason. */
    ADMIN;

    /** The wire name. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The document id of {@code alias} of {@code model}. */
  public static String idOf(String model, String alias) {
    return model + "." + alias;
  }

  /** An alias that points nowhere yet. */
  public static Alias unset(String model, String name, Instant now) {
    return new Alias(idOf(model, name), model, name, 0, 0, List.of(), 0, now, now, Outbox.empty());
  }

  @Override
  public Alias withOutbox(Outbox next) {
    return new Alias(
        id, model, name, version, sequence, history, rowsThrough, createdAt, updatedAt, next);
  }

  /**
   * Points the alias at {@code target} (whose registry prefix is {@code uri}), appending the move
   * and emitting {@code promoted}; pointing it where it already points changes nothing.
   */
  public Alias moveTo(int target, String uri, String by, Via via, String reason, Instant now) {
    if (target == version || target < 1) {
      return this;
    }
    List<Move> h = new ArrayList<>(history);
    long next = sequence + 1;
    h.add(new Move(next, version, target, by, via.wireName(), reason, now));
    Alias moved = new Alias(id, model, name, target, next, h, rowsThrough, createdAt, now, outbox);
    return moved.withOutbox(
        outbox.add(
            id,
            new ModelEvent.Promoted(
                model,
                Names.versionName(target),
                name,
                uri,
                by,
                version == 0 ? null : Names.versionName(version),
                reason,
                via.wireName()),
            now));
  }

  /** The warehouse holds the rows of moves up to {@code through}. */
  public Alias rowsWritten(long through) {
    if (through <= rowsThrough) {
      return this;
    }
    return new Alias(
        id, model, name, version, sequence, history, through, createdAt, updatedAt, outbox);
  }

  /** Whether some moves have no warehouse row yet. */
  public boolean rowsPending() {
    return rowsThrough < sequence;
  }

  /**
   * The move in force at {@code at}: the last one made at or before it; empty when the alias had
   * not been set yet. A binary search: the history is in time order.
   */
  public Optional<Move> versionAt(Instant at) {
    int lo = 0;
    int hi = history.size() - 1;
    Move found = null;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Move m = history.get(mid);
      if (m.at().isAfter(at)) {
        hi = mid - 1;
      } else {
        found = m;
        lo = mid + 1;
      }
    }
    return Optional.ofNullable(found);
  }
}
