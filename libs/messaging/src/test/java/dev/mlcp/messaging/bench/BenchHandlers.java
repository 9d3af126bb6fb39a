package dev.mlcp.messaging.bench;

import io.quarkus.arc.profile.IfBuildProfile;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Benchmark handlers: count and ack. Present only in the bench profile. */
@ApplicationScoped
@IfBuildProfile("bench")
public class BenchHandlers {
  private final BenchCounter pulled = new BenchCounter();
  private final BenchCounter pushed = new BenchCounter();
  private final BenchCounter direct = new BenchCounter();

  /** Deliveries to the pull channel. */
  public BenchCounter pulled() {
    return pulled;
  }

  /** Deliveries to the push channel. */
  public BenchCounter pushed() {
    return pushed;
  }

  /** Deliveries to the push channel driven directly by HTTP clients. */
  public BenchCounter direct() {
    return direct;
  }

  @Incoming("bench-pull")
  CompletionStage<Void> pull(Message<byte[]> message) {
    pulled.hit();
    return message.ack();
  }

  @Incoming("bench-push")
  CompletionStage<Void> push(Message<byte[]> message) {
    pushed.hit();
    return message.ack();
  }

  @Incoming("bench-direct")
  CompletionStage<Void> direct(Message<byte[]> message) {
    direct.hit();
    return message.ack();
  }
}
