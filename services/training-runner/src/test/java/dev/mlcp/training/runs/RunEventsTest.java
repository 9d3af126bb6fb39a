package dev.mlcp.training.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.RunEvent;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RunEventsTest {
  static final RunEvent EVENT = new RunEvent.Cancelled("run-1", "a@b", 1, "a@b");

  @Test
  void accepted_publish_returns_true() {
    assertThat(
            new RunEvents(e -> CompletableFuture.completedFuture(null), Duration.ofSeconds(1))
                .publish(EVENT))
        .isTrue();
  }

  @Test
  void failed_publish_is_reported_not_thrown() {
    assertThat(
            new RunEvents(
                    e -> CompletableFuture.failedFuture(new IllegalStateException("no topic")),
                    Duration.ofSeconds(1))
                .publish(EVENT))
        .isFalse();
  }

  @Test
  void cancelled_publish_behind_a_failed_ordered_one_is_reported_not_thrown() {
    CompletableFuture<Void> cancelled = new CompletableFuture<>();
    cancelled.cancel(false);
    assertThat(new RunEvents(e -> cancelled, Duration.ofSeconds(1)).publish(EVENT)).isFalse();
  }

  @Test
  void publish_that_never_answers_times_out() {
    assertThat(new RunEvents(e -> new CompletableFuture<>(), Duration.ofMillis(50)).publish(EVENT))
        .isFalse();
  }
}
