package dev.mlcp.training;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Log streaming settings ({@code mlcp.training.logs.*}); checked at start-up. Follows share one
 * poll per run and hold no request thread, so their cost is a connection and a few buffers each;
 * the caps keep one user, or all users together, from exhausting an instance.
 */
@ConfigMapping(prefix = "mlcp.training.logs")
public interface LogsConfig {
  /** How often a followed run's log is read while entries arrive. */
  @WithDefault("PT0.5S")
  Duration followPoll();

  /** Longest interval an idle follow backs off to (doubling from follow-poll). */
  @WithDefault("PT5S")
  Duration followPollMax();

  /** Longest a single follow request stays open; the client resumes with its last event id. */
  @WithDefault("PT55M")
  Duration followMax();

  /** A follow that sent nothing for this long sends an SSE comment, so proxies keep it open. */
  @WithDefault("PT15S")
  Duration followKeepAlive();

  /** Follows one user may have open on one instance; more are answered 429. */
  @WithDefault("20")
  int maxFollowersPerUser();

  /** Follows one instance serves in all; more are answered 429. */
  @WithDefault("1000")
  int maxFollowers();

  /** Threads that read logs for follows (shared polls and catching-up followers). */
  @WithDefault("4")
  int followReadThreads();
}
