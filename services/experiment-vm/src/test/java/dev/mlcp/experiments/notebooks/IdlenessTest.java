package dev.mlcp.experiments.notebooks;

import static dev.mlcp.experiments.notebooks.NotebookFixture.JSON;
import static dev.mlcp.experiments.notebooks.NotebookFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Idleness from heartbeats as the agent writes them (recorded in {@code heartbeats/}, the same
 * samples the agent's own test derives from recorded Jupyter responses): a busy kernel is activity,
 * an open idle kernel only dates its last run, a terminal's last use counts, nothing at all is idle
 * from the VM's start, and no or a stale heartbeat is unknown (active until the TTL).
 */
class IdlenessTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(60);
  private static final Duration STALE = Duration.ofMinutes(5);
  // The recordings were sampled at 10:00:07Z.
  private static final Instant SAMPLED = Instant.parse("2026-05-04T10:00:07.412Z");
  private static final Instant STARTED = Instant.parse("2026-05-04T08:00:00Z");

  private static Heartbeat recorded(String name) {
    try (InputStream in =
        IdlenessTest.class.getClassLoader().getResourceAsStream("heartbeats/" + name + ".json")) {
      return Heartbeat.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), JSON)
          .orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Idleness.Judgement judge(Heartbeat beat, Instant now) {
    return Idleness.judge(beat, STARTED, TIMEOUT, STALE, now);
  }

  @Test
  void a_busy_kernel_is_active() {
    Heartbeat beat = recorded("busy-kernel");

    assertThat(beat.busyKernels()).isEqualTo(1);
    assertThat(judge(beat, SAMPLED.plusSeconds(30)).verdict()).isEqualTo(Idleness.Verdict.ACTIVE);
  }

  @Test
  void an_open_idle_kernel_is_idle_once_its_last_run_is_older_than_the_timeout() {
    Heartbeat beat = recorded("idle-kernel");

    Idleness.Judgement judgement = judge(beat, SAMPLED.plusSeconds(30));

    assertThat(beat.kernels()).isEqualTo(1);
    assertThat(beat.connections()).isEqualTo(1);
    assertThat(judgement.verdict()).isEqualTo(Idleness.Verdict.IDLE);
    assertThat(judgement.idleSince()).isEqualTo(Instant.parse("2026-05-04T08:30:00Z"));
    assertThat(judgement.why()).contains("idle for 90 min");
  }

  @Test
  void a_terminal_used_recently_keeps_it_active() {
    Heartbeat beat = recorded("terminal");

    assertThat(judge(beat, SAMPLED.plusSeconds(30)).verdict()).isEqualTo(Idleness.Verdict.ACTIVE);
    assertThat(judge(beat, Instant.parse("2026-05-04T10:45:00Z")).verdict())
        .isEqualTo(Idleness.Verdict.UNKNOWN); // and then the heartbeat is stale
  }

  @Test
  void nothing_open_is_idle_from_the_vms_start() {
    Heartbeat beat = recorded("none");

    Idleness.Judgement judgement = judge(beat, SAMPLED.plusSeconds(30));

    assertThat(beat.lastActivity()).isNull();
    assertThat(judgement.verdict()).isEqualTo(Idleness.Verdict.IDLE);
    assertThat(judgement.idleSince()).isEqualTo(STARTED);
  }

  @Test
  void a_vm_started_recently_is_not_idle_whatever_its_old_activity() {
    Heartbeat beat = recorded("idle-kernel");

    Idleness.Judgement judgement =
        Idleness.judge(beat, SAMPLED.minus(Duration.ofMinutes(10)), TIMEOUT, STALE, SAMPLED);

    assertThat(judgement.verdict()).isEqualTo(Idleness.Verdict.ACTIVE);
  }

  @Test
  void no_heartbeat_or_a_stale_or_unreadable_one_is_unknown() {
    assertThat(judge(null, T0.plus(Duration.ofHours(5))).verdict())
        .isEqualTo(Idleness.Verdict.UNKNOWN);
    assertThat(judge(recorded("none"), SAMPLED.plus(Duration.ofMinutes(6))).verdict())
        .isEqualTo(Idleness.Verdict.UNKNOWN);
    assertThat(Heartbeat.parse("{not json", JSON)).isEmpty();
    assertThat(Heartbeat.parse("{\"lastActivity\":\"2026-05-04T10:00:00Z\"}", JSON)).isEmpty();
    assertThat(Heartbeat.parse("x".repeat(5000), JSON)).isEmpty();
  }
}
