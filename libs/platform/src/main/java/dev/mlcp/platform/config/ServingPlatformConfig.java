package dev.mlcp.platform.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * How the serving adapters ({@code dev.mlcp.platform.serving}) reach their backends and build
 * instances; every key has a default, so services that do not serve need none of them.
 */
@ConfigMapping(prefix = "mlcp.serving-platform")
public interface ServingPlatformConfig {

  /**
   * Cloud Run Admin API gRPC {@code host:port} override (with {@code mlcp.endpoints.emulator}:
   * plaintext, no credentials).
   */
  Optional<String> cloudRunEndpoint();

  /** Cloud Monitoring REST base. */
  @WithDefault("https://monitoring.googleapis.com")
  String monitoringEndpoint();

  /** Service Management REST base (Cloud Endpoints configs). */
  @WithDefault("https://servicemanagement.googleapis.com")
  String serviceManagementEndpoint();

  /** Boot image of serving VMs (docker, curl, python3: the Deep Learning VM CPU family). */
  @WithDefault("projects/deeplearning-platform-release/global/images/family/common-cpu")
  String bootImage();

  /** Boot disk size of serving VMs in GB. */
  @WithDefault("50")
  long bootDiskGb();

  /** Identity of serving VMs (read the model bucket, write logs); unset: the project default. */
  Optional<String> vmServiceAccount();

  /** Seconds between health-check probes. */
  @WithDefault("10")
  int healthCheckIntervalSeconds();

  /** The load balancer's address, shown as a GCE service's URL. */
  Optional<String> loadBalancerUrl();
}
