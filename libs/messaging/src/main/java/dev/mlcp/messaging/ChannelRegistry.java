package dev.mlcp.messaging;

import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code mlcp-pubsub} channels of the application: push channels for the push endpoint, pull
 * channels and topics for the readiness check.
 */
@Singleton
public class ChannelRegistry {
  private final Map<String, PushChannel> pushChannels = new ConcurrentHashMap<>();
  private final List<PullChannel> pullChannels = new CopyOnWriteArrayList<>();
  private final Map<String, String> topics = new ConcurrentHashMap<>();

  void register(PushChannel channel) {
    pushChannels.put(channel.channel(), channel);
  }

  void register(PullChannel channel) {
    pullChannels.add(channel);
  }

  void topic(String channel, String topic) {
    topics.put(channel, topic);
  }

  Optional<PushChannel> push(String channel) {
    return Optional.ofNullable(pushChannels.get(channel));
  }

  /** Names of the push channels. */
  public Set<String> pushChannelNames() {
    return Set.copyOf(pushChannels.keySet());
  }

  /** Topic of every channel, by channel name. */
  public Map<String, String> topics() {
    return Map.copyOf(topics);
  }

  /** Pull channels not pulling (waiting for Pub/Sub or restarting). */
  public List<String> idlePullChannels() {
    return pullChannels.stream().filter(c -> !c.running()).map(PullChannel::channel).toList();
  }

  /** Whether each pull channel pulls, by channel name. */
  Map<String, Boolean> pullChannelStates() {
    Map<String, Boolean> states = new TreeMap<>();
    pullChannels.forEach(c -> states.put(c.channel(), c.running()));
    return states;
  }

  void stopPulls() {
    pullChannels.forEach(PullChannel::stop);
  }
}
