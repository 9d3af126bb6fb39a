package dev.mlcp.messaging;

import dev.mlcp.events.EventType;
import java.time.Instant;

/**
 * The CloudEvents envelope of a received mlcp event, as message metadata: a typed handler takes it
 * as a second parameter when it needs the event id (the idempotency key) or the source.
 *
 * <pre>{@code
 * @Incoming("training-completed")
 * Uni<Void> on(TrainingCompleted completed, IncomingEvent event) { ... event.id() ... }
 * }</pre>
 *
 * @param id {@code ce-id}, stable across redeliveries and republishing
 * @param type the event type
 * @param source {@code ce-source}: who published it
 * @param time {@code ce-time}, or the Pub/Sub publish time when absent
 * @param subject {@code ce-subject}
 * @param deliveryAttempt 1-based delivery count when the subscription has a dead-letter policy,
 *     else 0
 */
public record IncomingEvent(
    String id, EventType type, String source, Instant time, String subject, int deliveryAttempt) {}
