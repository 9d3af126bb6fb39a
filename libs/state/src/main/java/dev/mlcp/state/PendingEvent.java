package dev.mlcp.state;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.EventType;
import dev.mlcp.events.MlcpEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * An event a transition caused, stored in its document until published. Its id is the CloudEvents
 * {@code ce-id}: fixed when the transition is written, so a republish is the same event and
 * consumers drop the duplicate.
 *
 * <p>Stored as {@code {"id", "type": <ce-type>, "time", "data": <the event record>}}.
 *
 * @param id the {@code ce-id}
 * @param time the {@code ce-time}: when the transition happened
 * @param event the event
 */
@JsonSerialize(using = PendingEvent.Writer.class)
@JsonDeserialize(using = PendingEvent.Reader.class)
public record PendingEvent(String id, Instant time, MlcpEvent event) {
  public PendingEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(event, "event");
  }

  /** The event as a CloudEvent from {@code source}. */
  public EventEnvelope<MlcpEvent> toEnvelope(String source) {
    return new EventEnvelope<>(id, source, time, event.subject(), event);
  }

  /** The event's type. */
  public EventType type() {
    return EventType.of(event);
  }

  static final class Writer extends JsonSerializer<PendingEvent> {
    @Override
    public void serialize(PendingEvent value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      gen.writeStartObject();
      gen.writeStringField("id", value.id());
      gen.writeStringField("type", value.type().type());
      gen.writeFieldName("time");
      serializers.defaultSerializeValue(value.time(), gen);
      gen.writeFieldName("data");
      serializers.defaultSerializeValue(value.event(), gen);
      gen.writeEndObject();
    }
  }

  static final class Reader extends JsonDeserializer<PendingEvent> {
    @Override
    public PendingEvent deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonNode node = p.readValueAsTree();
      EventType type = EventType.ofType(node.path("type").asText());
      Instant time = ctxt.readTreeAsValue(node.get("time"), Instant.class);
      MlcpEvent event = ctxt.readTreeAsValue(node.get("data"), type.recordClass());
      return new PendingEvent(node.path("id").asText(), time, event);
    }
  }
}
