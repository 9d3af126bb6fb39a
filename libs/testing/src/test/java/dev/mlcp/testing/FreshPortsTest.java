package dev.mlcp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FreshPortsTest {

  @Test
  void an_emulator_that_exits_during_startup_is_launched_again() {
    AtomicInteger calls = new AtomicInteger();

    String started =
        FreshPorts.launch(
            () -> {
              if (calls.incrementAndGet() < FreshPorts.ATTEMPTS) {
                throw new FreshPorts.ExitedDuringStartup("port taken " + calls.get());
              }
              return "up";
            });

    assertThat(started).isEqualTo("up");
    assertThat(calls).hasValue(FreshPorts.ATTEMPTS);
  }

  @Test
  void after_the_last_attempt_the_failure_carries_every_earlier_one() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                FreshPorts.launch(
                    () -> {
                      throw new FreshPorts.ExitedDuringStartup("exit " + calls.incrementAndGet());
                    }))
        .hasMessage("exit " + FreshPorts.ATTEMPTS)
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(calls).hasValue(FreshPorts.ATTEMPTS);
  }

  @Test
  void any_other_failure_is_not_retried() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                FreshPorts.launch(
                    () -> {
                      calls.incrementAndGet();
                      throw new IllegalStateException("not ready after 60 s");
                    }))
        .hasMessage("not ready after 60 s");
    assertThat(calls).hasValue(1);
  }
}
