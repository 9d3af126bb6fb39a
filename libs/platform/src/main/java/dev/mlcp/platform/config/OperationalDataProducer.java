package dev.mlcp.platform.config;

import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.gcp.SpannerOperationalData;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Produces {@link OperationalData}: Cloud Spanner with {@code mlcp.platform=gcp}, the Spanner
 * emulator with {@code local} (the same adapter, so local mode runs real Spanner SQL). The client
 * connects lazily: a service that never reads Spanner starts without one.
 */
@Singleton
public class OperationalDataProducer {

  /** The emulator's default gRPC address in local mode. */
  static final String LOCAL_EMULATOR = "127.0.0.1:9010";

  /** Operational (OLTP) data. */
  @Produces
  @Singleton
  public OperationalData operationalData(PlatformConfig platform, OperationalDataConfig config) {
    PlatformConfigs.validate(platform);
    boolean local = platform.platform() == PlatformConfig.Platform.LOCAL;
    SpannerOperationalData.Settings settings =
        new SpannerOperationalData.Settings(
            platform.projectId().orElse("mlcp-local"),
            config.instances().orElse(List.of()),
            config.maxStaleness(),
            config.minSessions(),
            config.maxSessions());
    if (local || config.emulatorHost().isPresent()) {
      return SpannerOperationalData.onEmulator(
          config.emulatorHost().orElse(LOCAL_EMULATOR), settings);
    }
    return SpannerOperationalData.connect(settings);
  }

  void close(@Disposes OperationalData data) {
    data.close();
  }
}
