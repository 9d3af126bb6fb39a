package dev.mlcp.training;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Log streaming settings ({@code mlcp.training.logs.*}). */
@ConfigMapping(prefix = "mlcp.training.logs")
public interface LogsConfig {
  /** How often a follow looks for new entries. */
  @WithDefault("PT0.5S")
  Duration followPoll();

  /** Longest a single follow request stays open; the client resumes with its last event id. */
  @WithDefault("PT55M")
  Duration followMax();
}
