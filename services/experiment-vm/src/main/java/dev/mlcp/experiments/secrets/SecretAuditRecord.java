package dev.mlcp.experiments.secrets;

import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;

/**
 * One use of a secret through this service: who, when, what, which version and whether it was
 * allowed. Never the value. Written (and stored durably) before a value is handed out: no audit, no
 * value.
 *
 * @param id {@code sa-<ulid>}
 * @param secret the secret's name
 * @param actor the caller's email
 * @param action what was done
 * @param version the version read or written (the one served for {@code latest}); null for none
 * @param outcome allowed or denied
 * @param createdAt when
 * @param outbox unused (the audit emits no events)
 */
public record SecretAuditRecord(
    String id,
    String secret,
    String actor,
    Action action,
    String version,
    Outcome outcome,
    Instant createdAt,
    Outbox outbox)
    implements Document<SecretAuditRecord> {

  /** What was done to the secret. */
  public enum Action {
    /** The secret was created with its first value. */
    CREATE,
    /** A version was added. */
    ADD_VERSION,
    /** A value was read. */
    ACCESS,
    /** The readers were replaced. */
    SET_READERS
  }

  /** Whether it was allowed. */
  public enum Outcome {
    /** Done. */
    GRANTED,
    /** Refused by the secrets rule. */
    DENIED
  }

  public SecretAuditRecord {
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  @Override
  public SecretAuditRecord withOutbox(Outbox next) {
    return new SecretAuditRecord(id, secret, actor, action, version, outcome, createdAt, next);
  }
}
