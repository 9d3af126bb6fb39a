package dev.mlcp.messaging.app;

import dev.mlcp.messaging.PubSubIncomingMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the test handlers saw, by channel. */
@ApplicationScoped
public class Received {

  /** One delivery to a handler. */
  public record Delivery(String payload, PubSubIncomingMetadata metadata) {}

  private final Map<String, List<Delivery>> byChannel = new ConcurrentHashMap<>();

  void add(String channel, byte[] payload, PubSubIncomingMetadata metadata) {
    byChannel
        .computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>())
        .add(new Delivery(new String(payload, StandardCharsets.UTF_8), metadata));
  }

  /** Deliveries to {@code channel} so far. */
  public List<Delivery> of(String channel) {
    return List.copyOf(byChannel.getOrDefault(channel, List.of()));
  }

  /** Deliveries to {@code channel} whose payload is {@code payload}. */
  public List<Delivery> of(String channel, String payload) {
    return of(channel).stream().filter(d -> d.payload().equals(payload)).toList();
  }
}
