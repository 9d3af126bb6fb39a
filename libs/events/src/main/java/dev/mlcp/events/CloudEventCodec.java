package dev.mlcp.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CloudEvents 1.0 binary content mode over Pub/Sub message attributes, as in the CloudEvents
 * Pub/Sub protocol binding: {@code ce-specversion}, {@code ce-type}, {@code ce-source}, {@code
 * ce-id}, {@code ce-time}, {@code ce-subject} and {@code content-type}; the data is the event
 * record as JSON. Thread-safe.
 */
public final class CloudEventCodec {
  public static final String SPECVERSION = "ce-specversion";
  public static final String TYPE = "ce-type";
  public static final String SOURCE = "ce-source";
  public static final String ID = "ce-id";
  public static final String TIME = "ce-time";
  public static final String SUBJECT = "ce-subject";
  public static final String CONTENT_TYPE = "content-type";
  public static final String SPEC_1_0 = "1.0";
  public static final String JSON = "application/json";

  private final ObjectMapper json;

  public CloudEventCodec() {
    this(defaultMapper());
  }

  /** A codec over a caller's mapper (e.g. Quarkus's), which must know {@code java.time}. */
  public CloudEventCodec(ObjectMapper json) {
    this.json = json;
  }

  /**
   * The mapper events are written with: ISO-8601 instants, unknown fields ignored (schemas grow by
   * adding fields), nulls omitted.
   */
  public static ObjectMapper defaultMapper() {
    return JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        .build();
  }

  /** Attributes and JSON body for {@code envelope}. */
  public EncodedEvent encode(EventEnvelope<?> envelope) {
    Map<String, String> attributes = new HashMap<>();
    attributes.put(SPECVERSION, SPEC_1_0);
    attributes.put(TYPE, envelope.type().type());
    attributes.put(SOURCE, envelope.source());
    attributes.put(ID, envelope.id());
    attributes.put(TIME, envelope.time().toString());
    attributes.put(SUBJECT, envelope.subject());
    attributes.put(CONTENT_TYPE, JSON);
    try {
      return new EncodedEvent(
          attributes, json.writeValueAsBytes(envelope.data()), envelope.subject());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + envelope.type().type(), e);
    }
  }

  /**
   * The event in {@code attributes} and {@code data}.
   *
   * @throws UnknownEventTypeException when {@code ce-type} is not one mlcp knows
   * @throws InvalidEventException naming the attribute or field that is missing or invalid
   */
  public EventEnvelope<MlcpEvent> decode(Map<String, String> attributes, byte[] data) {
    return decode(attributes, data, null);
  }

  /**
   * As {@link #decode(Map, byte[])}, but an event without {@code ce-time} (optional in CloudEvents)
   * takes {@code fallbackTime}, e.g. the Pub/Sub publish time; with a null fallback it is an error.
   */
  public EventEnvelope<MlcpEvent> decode(
      Map<String, String> attributes, byte[] data, Instant fallbackTime) {
    if (attributes == null) {
      throw new InvalidEventException("attributes", "message has no attributes");
    }
    String specversion = attribute(attributes, SPECVERSION);
    if (!SPEC_1_0.equals(specversion)) {
      throw new InvalidEventException(
          SPECVERSION, "unsupported CloudEvents version '" + specversion + "', expected 1.0");
    }
    EventType type = EventType.ofType(attribute(attributes, TYPE));
    String source = attribute(attributes, SOURCE);
    String id = attribute(attributes, ID);
    Instant time = time(attributes.get(TIME), fallbackTime);
    String contentType = attributes.get(CONTENT_TYPE);
    if (contentType != null && !contentType.startsWith(JSON)) {
      throw new InvalidEventException(
          CONTENT_TYPE, "expected application/json, was '" + contentType + "'");
    }
    if (data == null || data.length == 0) {
      throw new InvalidEventException("data", "is empty; " + type.type() + " needs a JSON body");
    }
    MlcpEvent event = readData(type, data);
    return new EventEnvelope<>(id, source, time, attributes.get(SUBJECT), event);
  }

  /**
   * The event in a CloudEvents 1.0 structured-mode JSON document ({@code {"specversion", "type",
   * "source", "id", "time", "subject", "datacontenttype", "data": {…}}}), as the VM agent writes
   * its completion record.
   *
   * @throws InvalidEventException naming what is missing or invalid
   * @throws UnknownEventTypeException when {@code type} is not one mlcp knows
   */
  public EventEnvelope<MlcpEvent> decodeStructured(byte[] document) {
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = json.readTree(document);
    } catch (IOException e) {
      throw new InvalidEventException("(document)", "is not valid JSON: " + rootMessage(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidEventException("(document)", "must be a JSON object");
    }
    Map<String, String> attributes = new HashMap<>();
    for (String name : List.of("specversion", "type", "source", "id", "time", "subject")) {
      com.fasterxml.jackson.databind.JsonNode value = root.get(name);
      if (value != null && value.isTextual()) {
        attributes.put("ce-" + name, value.asText());
      }
    }
    com.fasterxml.jackson.databind.JsonNode contentType = root.get("datacontenttype");
    if (contentType != null && contentType.isTextual()) {
      attributes.put(CONTENT_TYPE, contentType.asText());
    }
    com.fasterxml.jackson.databind.JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new InvalidEventException("data", "must be a JSON object");
    }
    try {
      return decode(attributes, json.writeValueAsBytes(data));
    } catch (JsonProcessingException e) {
      throw new InvalidEventException("data", rootMessage(e), e);
    }
  }

  private MlcpEvent readData(EventType type, byte[] data) {
    try {
      MlcpEvent event = json.readValue(data, type.recordClass());
      if (event == null) {
        throw new InvalidEventException("data", "is JSON null; expected an object");
      }
      return event;
    } catch (JsonMappingException e) {
      InvalidEventException fromRecord = causeOf(e);
      if (fromRecord != null) {
        throw fromRecord;
      }
      throw new InvalidEventException("data." + path(e), rootMessage(e), e);
    } catch (IOException e) {
      throw new InvalidEventException("data", "is not valid JSON: " + rootMessage(e), e);
    }
  }

  private static InvalidEventException causeOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidEventException invalid) {
        return new InvalidEventException("data." + invalid.field(), stripField(invalid), invalid);
      }
    }
    return null;
  }

  private static String stripField(InvalidEventException e) {
    String prefix = e.field() + ": ";
    String message = e.getMessage();
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  private static String path(JsonMappingException e) {
    String path =
        e.getPath().stream()
            .map(
                ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
            .collect(Collectors.joining("."));
    return path.isEmpty() ? "(root)" : path;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message =
        t instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : t.getMessage();
    return message == null ? t.getClass().getSimpleName() : message;
  }

  private static String attribute(Map<String, String> attributes, String name) {
    String value = attributes.get(name);
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(name, "attribute is required");
    }
    return value;
  }

  private static Instant time(String value, Instant fallbackTime) {
    if ((value == null || value.isBlank()) && fallbackTime != null) {
      return fallbackTime;
    }
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(TIME, "attribute is required");
    }
    try {
      return java.time.OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidEventException(TIME, "is not an RFC 3339 timestamp: '" + value + "'", e);
    }
  }
}
