package dev.mlcp.platform.gcp;

import java.time.Duration;

/**
 * What the Google Cloud adapters need to build their clients.
 *
 * @param project project id
 * @param region region of regional resources
 * @param computeEndpoint Compute REST endpoint override (e.g. {@code http://127.0.0.1:8089}), null
 *     for Google's
 * @param storageEndpoint Cloud Storage host override, null for Google's
 * @param secretManagerEndpoint Secret Manager gRPC {@code host:port} override, null for Google's
 * @param loggingEndpoint Cloud Logging gRPC {@code host:port} override, null for Google's
 * @param bigqueryEndpoint BigQuery REST host override, null for Google's
 * @param bigqueryLocation location of datasets the adapter creates
 * @param retry retry policy of idempotent calls
 * @param operationTimeout how long to wait for a Compute operation or query job
 * @param pollInterval first wait between polls of an operation
 * @param emulator whether the endpoint overrides are emulators or test servers ({@code
 *     mlcp.endpoints.emulator}): no credentials, plaintext gRPC
 */
public record GcpSettings(
    String project,
    String region,
    String computeEndpoint,
    String storageEndpoint,
    String secretManagerEndpoint,
    String loggingEndpoint,
    String bigqueryEndpoint,
    String bigqueryLocation,
    RetryPolicy retry,
    Duration operationTimeout,
    Duration pollInterval,
    boolean emulator) {

  /** Requires the project. */
  public GcpSettings {
    if (project == null || project.isBlank()) {
      throw new IllegalArgumentException("a Google Cloud project id is required (mlcp.project-id)");
    }
  }
}
