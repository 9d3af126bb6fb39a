package dev.mlcp.events;

import java.util.Map;

/**
 * An event in CloudEvents binary mode on Pub/Sub: context in message attributes, data in the body.
 *
 * @param attributes {@code ce-*} attributes and {@code content-type}
 * @param data the JSON body
 * @param orderingKey the Pub/Sub ordering key to publish with (the subject)
 */
public record EncodedEvent(Map<String, String> attributes, byte[] data, String orderingKey) {
  public EncodedEvent {
    attributes = Map.copyOf(attributes);
  }
}
