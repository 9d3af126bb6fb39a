package dev.mlcp.experiments.notebooks;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a running notebook VM is in use, from its last heartbeat: the rule the reaper stops VMs
 * by, and what the API shows.
 *
 * <ul>
 *   <li>No heartbeat, or one older than {@code staleAfter}: {@link Verdict#UNKNOWN}, which counts
 *       as active until the TTL (a VM whose agent died is not stopped on a guess).
 *   <li>Something active at the last sample (a busy kernel, GPU use, SSH typing): {@link
 *       Verdict#ACTIVE}.
 *   <li>Otherwise idle once {@code idleTimeout} has passed since the later of the VM's last start
 *       and its last activity: an open but idle kernel, an open browser tab, an idle SSH session
 *       are not activity.
 * </ul>
 */
public final class Idleness {

  /** The judgement. */
  public enum Verdict {
    /** In use, or idle for less than the idle timeout. */
    ACTIVE,
    /** Idle for at least the idle timeout: the reaper stops it. */
    IDLE,
    /** No usable heartbeat: treated as active until the TTL. */
    UNKNOWN
  }

  /**
   * A judgement and its grounds.
   *
   * @param verdict the verdict
   * @param idleSince the start of the current idle period (null when active now or unknown)
   * @param why in words
   */
  public record Judgement(Verdict verdict, Instant idleSince, String why) {}

  private Idleness() {}

  /**
   * Judges a running VM.
   *
   * @param heartbeat the last heartbeat, null for none
   * @param startedAt when the VM last started
   */
  public static Judgement judge(
      Heartbeat heartbeat,
      Instant startedAt,
      Duration idleTimeout,
      Duration staleAfter,
      Instant now) {
    if (heartbeat == null) {
      return new Judgement(Verdict.UNKNOWN, null, "no heartbeat yet");
    }
    if (heartbeat.at().isBefore(now.minus(staleAfter))) {
      return new Judgement(
          Verdict.UNKNOWN, null, "last heartbeat at " + heartbeat.at() + " is stale");
    }
    if (!heartbeat.activeNow().isEmpty()) {
      return new Judgement(
          Verdict.ACTIVE, null, "active: " + String.join(", ", heartbeat.activeNow()));
    }
    Instant since = startedAt;
    if (heartbeat.lastActivity() != null
        && (since == null || heartbeat.lastActivity().isAfter(since))) {
      since = heartbeat.lastActivity();
    }
    if (since == null) {
      since = heartbeat.at();
    }
    Duration idle = Duration.between(since, now);
    if (idle.compareTo(idleTimeout) >= 0) {
      return new Judgement(
          Verdict.IDLE,
          since,
          "idle for " + minutes(idle) + " (timeout " + minutes(idleTimeout) + ")");
    }
    return new Judgement(
        Verdict.ACTIVE, since, "idle for " + minutes(idle) + " of " + minutes(idleTimeout));
  }

  private static String minutes(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s < 120 ? s + " s" : (s / 60) + " min";
  }
}
