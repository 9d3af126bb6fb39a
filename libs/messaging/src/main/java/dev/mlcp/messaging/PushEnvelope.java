package dev.mlcp.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Pub/Sub push request body: {@code {"message":{"data","attributes","messageId","publishTime",
 * "orderingKey"},"subscription","deliveryAttempt"}}. Pub/Sub also sends the snake_case twins
 * ({@code message_id}, {@code publish_time}); either is read.
 *
 * @param data decoded message data (empty when the message has none)
 * @param metadata the message's Pub/Sub metadata
 */
record PushEnvelope(byte[] data, PubSubIncomingMetadata metadata) {

  /** The envelope is not what a Pub/Sub push sends; the message says what is wrong. */
  static final class MalformedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  static PushEnvelope parse(ObjectMapper json, byte[] body) {
    if (body == null || body.length == 0) {
      throw new MalformedException(
          "request body is empty; expected a Pub/Sub push envelope {\"message\":{...},"
              + "\"subscription\":\"...\"}");
    }
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new MalformedException(
          "request body is not valid JSON (" + e.getOriginalMessage() + ")");
    } catch (java.io.IOException e) {
      throw new MalformedException("request body cannot be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedException("request body must be a JSON object (a Pub/Sub push envelope)");
    }
    JsonNode message = root.get("message");
    if (message == null || !message.isObject()) {
      throw new MalformedException(
          "push envelope has no \"message\" object; the endpoint accepts only Pub/Sub push"
              + " requests");
    }
    String messageId = text(message, "messageId", "message_id");
    if (messageId == null || messageId.isBlank()) {
      throw new MalformedException("message.messageId is missing");
    }
    byte[] data = data(message.get("data"));
    Map<String, String> attributes = attributes(message.get("attributes"));
    Instant publishTime = publishTime(text(message, "publishTime", "publish_time"));
    String orderingKey = text(message, "orderingKey", "ordering_key");
    JsonNode attempt = root.get("deliveryAttempt");
    if (attempt != null && !attempt.isNull() && !attempt.canConvertToInt()) {
      throw new MalformedException("deliveryAttempt must be an integer, was " + attempt);
    }
    int deliveryAttempt = attempt == null || attempt.isNull() ? 0 : attempt.asInt();
    String subscription = root.path("subscription").asText("");
    return new PushEnvelope(
        data,
        new PubSubIncomingMetadata(
            messageId, attributes, publishTime, deliveryAttempt, orderingKey, subscription));
  }

  private static String text(JsonNode node, String name, String alternative) {
    JsonNode value = node.has(name) ? node.get(name) : node.get(alternative);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static byte[] data(JsonNode data) {
    if (data == null || data.isNull()) {
      return new byte[0];
    }
    if (!data.isTextual()) {
      throw new MalformedException("message.data must be a base64 string");
    }
    try {
      return Base64.getDecoder().decode(data.asText());
    } catch (IllegalArgumentException e) {
      throw new MalformedException(
          "message.data is not valid base64 (" + e.getMessage() + "); Pub/Sub sends it encoded");
    }
  }

  private static Map<String, String> attributes(JsonNode attributes) {
    Map<String, String> result = new LinkedHashMap<>();
    if (attributes == null || attributes.isNull()) {
      return result;
    }
    if (!attributes.isObject()) {
      throw new MalformedException("message.attributes must be an object of strings");
    }
    for (Map.Entry<String, JsonNode> field : attributes.properties()) {
      if (!field.getValue().isTextual()) {
        throw new MalformedException("message.attributes." + field.getKey() + " must be a string");
      }
      result.put(field.getKey(), field.getValue().asText());
    }
    return result;
  }

  private static Instant publishTime(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new MalformedException(
          "message.publishTime is not an RFC 3339 timestamp: '" + value + "'");
    }
  }
}
