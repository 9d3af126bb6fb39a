package dev.mlcp.messaging;

import java.time.Instant;
import java.util.Map;

/**
 * Pub/Sub specifics of a received message, in pull and push mode alike.
 *
 * @param messageId the id Pub/Sub gave the message (a redelivery keeps it)
 * @param attributes message attributes
 * @param publishTime when Pub/Sub accepted the message
 * @param deliveryAttempt 1-based delivery count when the subscription has a dead-letter policy,
 *     else 0
 * @param orderingKey the ordering key, empty when none
 * @param subscription the subscription that delivered it
 */
public record PubSubIncomingMetadata(
    String messageId,
    Map<String, String> attributes,
    Instant publishTime,
    int deliveryAttempt,
    String orderingKey,
    String subscription) {
  public PubSubIncomingMetadata {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    orderingKey = orderingKey == null ? "" : orderingKey;
  }
}
