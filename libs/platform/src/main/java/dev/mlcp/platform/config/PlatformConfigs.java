package dev.mlcp.platform.config;

import dev.mlcp.platform.gcp.GcpSettings;
import dev.mlcp.platform.gcp.RetryPolicy;
import java.nio.file.Path;

/** Validation of {@link PlatformConfig} and its translation into adapter settings. */
public final class PlatformConfigs {

  private PlatformConfigs() {}

  /**
   * Fails with a message naming the key when the configuration cannot work.
   *
   * @throws IllegalStateException e.g. {@code mlcp.platform=gcp} without {@code mlcp.project-id}
   */
  public static void validate(PlatformConfig config) {
    if (config.platform() == PlatformConfig.Platform.GCP
        && config.projectId().filter(p -> !p.isBlank()).isEmpty()) {
      throw new IllegalStateException(
          "mlcp.platform=gcp requires mlcp.project-id (the Google Cloud project id, env"
              + " MLCP_PROJECT_ID); set it, or use mlcp.platform=local");
    }
    if (config.zones().isEmpty()) {
      throw new IllegalStateException("mlcp.zones must name at least one zone");
    }
    if (config.retry().maxAttempts() < 1) {
      throw new IllegalStateException("mlcp.retry.max-attempts must be at least 1");
    }
  }

  /** Settings of the Google Cloud adapters (after {@link #validate}). */
  public static GcpSettings gcp(PlatformConfig config) {
    validate(config);
    PlatformConfig.Endpoints e = config.endpoints();
    return new GcpSettings(
        config.projectId().orElseThrow(),
        config.region(),
        e.compute().orElse(null),
        e.storage().orElse(null),
        e.secretManager().orElse(null),
        e.logging().orElse(null),
        e.bigquery().orElse(null),
        config.warehouseLocation(),
        new RetryPolicy(
            config.retry().maxAttempts(),
            config.retry().initialBackoff(),
            config.retry().maxBackoff()),
        config.operations().timeout(),
        config.operations().pollInterval(),
        e.emulator());
  }

  /** The local state directory. */
  public static Path stateDir(PlatformConfig config) {
    return Path.of(config.stateDir()).toAbsolutePath().normalize();
  }
}
