package dev.mlcp.events;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A CloudEvents 1.0 event: the context attributes around one {@link MlcpEvent}.
 *
 * @param id {@code ce-id}, unique per event and the consumers' idempotency key
 * @param source {@code ce-source}, a URI reference naming the producer (e.g. {@code
 *     //mlcp/training-runner})
 * @param time {@code ce-time}
 * @param subject {@code ce-subject}: run id, model, service or experiment
 * @param data the event itself
 */
public record EventEnvelope<E extends MlcpEvent>(
    String id, String source, Instant time, String subject, E data) {
  public EventEnvelope {
    Fields.required(id, "ce-id");
    Fields.required(source, "ce-source");
    Fields.required(time, "ce-time");
    Objects.requireNonNull(data, "data");
    subject = subject == null ? data.subject() : subject;
  }

  /** A new event from {@code source} with a random id, stamped now. */
  public static <E extends MlcpEvent> EventEnvelope<E> of(String source, E data) {
    return new EventEnvelope<>(UUID.randomUUID().toString(), source, Instant.now(), null, data);
  }

  /** The event's type. */
  public EventType type() {
    return EventType.of(data);
  }
}
