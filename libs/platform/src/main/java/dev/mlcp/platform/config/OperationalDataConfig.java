package dev.mlcp.platform.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operational database (Spanner) behind {@code OperationalData} ({@code mlcp.spanner.*}). */
@ConfigMapping(prefix = "mlcp.spanner")
public interface OperationalDataConfig {

  /** Spanner instances whose databases are listed and may be read; unset: none. */
  Optional<List<String>> instances();

  /** Staleness bound of data reads: older data from the nearest replica, no leader round trip. */
  @WithDefault("15s")
  Duration maxStaleness();

  /** Sessions kept open while idle (Cloud Run scales to zero: keep this small). */
  @WithDefault("0")
  int minSessions();

  /** Sessions at most: one per concurrent read (the service's request concurrency). */
  @WithDefault("20")
  int maxSessions();

  /**
   * The Spanner emulator's gRPC {@code host:port}: the backend with {@code mlcp.platform=local}
   * (default {@code 127.0.0.1:9010}), and an explicit override with {@code gcp}.
   */
  Optional<String> emulatorHost();
}
