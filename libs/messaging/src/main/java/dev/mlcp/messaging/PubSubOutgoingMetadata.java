package dev.mlcp.messaging;

import java.util.Map;

/**
 * Pub/Sub specifics of an outgoing message; add it to a {@code Message}'s metadata.
 *
 * @param attributes message attributes (e.g. the CloudEvents {@code ce-*} context)
 * @param orderingKey ordering key, used when the channel has {@code ordering=true}; null for none
 */
public record PubSubOutgoingMetadata(Map<String, String> attributes, String orderingKey) {
  public PubSubOutgoingMetadata {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** Attributes only, no ordering key. */
  public static PubSubOutgoingMetadata of(Map<String, String> attributes) {
    return new PubSubOutgoingMetadata(attributes, null);
  }
}
