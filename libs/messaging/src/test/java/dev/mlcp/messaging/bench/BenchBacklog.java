package dev.mlcp.messaging.bench;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutures;
import com.google.api.gax.batching.BatchingSettings;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.PubSubEmulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts an emulator and, before the application starts, fills a backlog: {@link #MESSAGES} 1 KB
 * messages on topic {@code bench} (read by the connector's and by a plain subscriber's
 * subscription) and {@link #PUSH_MESSAGES} on {@code bench-push} (a subscription switched to push
 * by the test).
 */
public class BenchBacklog implements QuarkusTestResourceLifecycleManager {
  static final int MESSAGES = Integer.getInteger("bench.messages", 50_000);
  static final int PUSH_MESSAGES = Integer.getInteger("bench.push-messages", 50_000);
  static final int SIZE = 1024;

  static volatile PubSubEmulator emulator;
  static volatile double publishPerSecond;

  @Override
  public Map<String, String> start() {
    emulator = PubSubEmulator.start();
    try (EmulatorClients clients = emulator.clients()) {
      clients.createTopic("bench");
      clients.createPullSubscription("bench-connector-sub", "bench");
      clients.createPullSubscription("bench-plain-sub", "bench");
      clients.createTopic("bench-push");
      clients.createPullSubscription("bench-push-sub", "bench-push");
      long start = System.nanoTime();
      publish(clients, "bench", MESSAGES);
      publishPerSecond = MESSAGES * 1e9 / (System.nanoTime() - start);
      publish(clients, "bench-push", PUSH_MESSAGES);
    } catch (Exception e) {
      throw new IllegalStateException("cannot fill the benchmark backlog", e);
    }
    return Map.of(
        "mlcp.pubsub.emulator-host", emulator.hostPort(),
        "mlcp.project-id", emulator.projectId(),
        "mlcp.pubsub.provision", "true");
  }

  static void publish(EmulatorClients clients, String topic, int count) throws Exception {
    Publisher publisher =
        clients
            .publisherBuilder(topic)
            .setBatchingSettings(
                BatchingSettings.newBuilder()
                    .setElementCountThreshold(500L)
                    .setRequestByteThreshold(1_000_000L)
                    .setDelayThresholdDuration(Duration.ofMillis(10))
                    .build())
            .build();
    byte[] body = new byte[SIZE];
    Arrays.fill(body, (byte) 'x');
    ByteString data = ByteString.copyFrom(body);
    try {
      List<ApiFuture<String>> pending = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        pending.add(
            publisher.publish(
                PubsubMessage.newBuilder().setData(data).putAttributes("i", "" + i).build()));
        if (pending.size() == 5_000) {
          ApiFutures.allAsList(pending).get(120, TimeUnit.SECONDS);
          pending.clear();
        }
      }
      ApiFutures.allAsList(pending).get(120, TimeUnit.SECONDS);
    } finally {
      publisher.shutdown();
      publisher.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public void stop() {
    if (emulator != null) {
      emulator.close();
    }
  }
}
