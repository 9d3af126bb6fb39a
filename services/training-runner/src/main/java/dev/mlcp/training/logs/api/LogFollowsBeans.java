package dev.mlcp.training.logs.api;

import dev.mlcp.platform.logs.Logs;
import dev.mlcp.training.LogsConfig;
import dev.mlcp.training.logs.LogFollows;
import dev.mlcp.training.runs.RunRepository;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Wires {@link LogFollows} from {@link LogsConfig}; a bad value fails start-up naming its key.
 * (Kept beside the resource so that the log feature's wiring is in one place with it.)
 */
@ApplicationScoped
public class LogFollowsBeans {
  /** Entries per read, and what a follower may hold beyond what its connection asked for. */
  static final int PAGE = RunLogsResource.PAGE;

  /** Entries a followed run keeps for followers that have not had them yet. */
  static final int WINDOW = 4 * PAGE;

  @Produces
  @Singleton
  LogFollows logFollows(Logs logs, RunRepository runs, LogsConfig config) {
    return new LogFollows(
        logs,
        id ->
            runs.find(id)
                .map(r -> new LogFollows.RunStatus(r.state().name(), r.state().terminal()))
                .orElse(LogFollows.RunStatus.GONE),
        settings(config));
  }

  void close(@Disposes LogFollows follows) {
    follows.close();
  }

  /** Checks the settings when the application starts, not at the first follow. */
  void check(@Observes StartupEvent started, LogsConfig config) {
    settings(config);
  }

  /** The follow settings, each value checked. */
  static LogFollows.Settings settings(LogsConfig config) {
    positive(config.followPoll(), "mlcp.training.logs.follow-poll");
    positive(config.followPollMax(), "mlcp.training.logs.follow-poll-max");
    positive(config.followMax(), "mlcp.training.logs.follow-max");
    positive(config.followKeepAlive(), "mlcp.training.logs.follow-keep-alive");
    if (config.followPollMax().compareTo(config.followPoll()) < 0) {
      throw new IllegalStateException(
          "mlcp.training.logs.follow-poll-max ("
              + config.followPollMax()
              + ") must not be below mlcp.training.logs.follow-poll ("
              + config.followPoll()
              + ")");
    }
    atLeastOne(config.maxFollowersPerUser(), "mlcp.training.logs.max-followers-per-user");
    atLeastOne(config.maxFollowers(), "mlcp.training.logs.max-followers");
    atLeastOne(config.followReadThreads(), "mlcp.training.logs.follow-read-threads");
    return new LogFollows.Settings(
        config.followPoll(),
        config.followPollMax(),
        config.followMax(),
        config.followKeepAlive(),
        config.maxFollowersPerUser(),
        config.maxFollowers(),
        config.followReadThreads(),
        PAGE,
        WINDOW);
  }

  private static void positive(Duration value, String key) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalStateException(key + " must be positive, not " + value);
    }
  }

  private static void atLeastOne(int value, String key) {
    if (value < 1) {
      throw new IllegalStateException(key + " must be at least 1, not " + value);
    }
  }
}
