package dev.mlcp.platform.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.GlobalOperationsSettings;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.RegionOperationsClient;
import com.google.cloud.compute.v1.RegionOperationsSettings;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Builds Google clients with an optional endpoint override (tests, private endpoints). The clients'
 * own retries are switched off: {@link Retrier} decides what is safe to repeat.
 */
public final class GcpClients {

  private GcpClients() {}

  /** No credentials when an endpoint override points at a local server, else the defaults. */
  public static CredentialsProvider credentials(
      String endpointOverride, CredentialsProvider defaults) {
    return endpointOverride != null && isLocal(endpointOverride)
        ? NoCredentialsProvider.create()
        : defaults;
  }

  /** Whether {@code endpoint} is a loopback server (tests, emulators). */
  public static boolean isLocal(String endpoint) {
    return endpoint.startsWith("http://127.0.0.1")
        || endpoint.startsWith("http://localhost")
        || endpoint.startsWith("127.0.0.1")
        || endpoint.startsWith("localhost");
  }

  /** A Compute instances client. */
  public static InstancesClient instances(String endpoint, CredentialsProvider credentials) {
    try {
      InstancesSettings.Builder b =
          InstancesSettings.newBuilder().setCredentialsProvider(credentials);
      if (endpoint != null) {
        b.setEndpoint(endpoint);
      }
      b.applyToAllUnaryMethods(
          m -> {
            m.setRetryableCodes(Set.of());
            return null;
          });
      return InstancesClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Compute instances client", e);
    }
  }

  /** A Compute zone operations client. */
  public static ZoneOperationsClient zoneOperations(
      String endpoint, CredentialsProvider credentials) {
    try {
      ZoneOperationsSettings.Builder b =
          ZoneOperationsSettings.newBuilder().setCredentialsProvider(credentials);
      if (endpoint != null) {
        b.setEndpoint(endpoint);
      }
      b.applyToAllUnaryMethods(
          m -> {
            m.setRetryableCodes(Set.of());
            return null;
          });
      return ZoneOperationsClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Compute zone operations client", e);
    }
  }

  /** A Compute region operations client. */
  public static RegionOperationsClient regionOperations(
      String endpoint, CredentialsProvider credentials) {
    try {
      RegionOperationsSettings.Builder b =
          RegionOperationsSettings.newBuilder().setCredentialsProvider(credentials);
      if (endpoint != null) {
        b.setEndpoint(endpoint);
      }
      b.applyToAllUnaryMethods(
          m -> {
            m.setRetryableCodes(Set.of());
            return null;
          });
      return RegionOperationsClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Compute region operations client", e);
    }
  }

  /** A Compute global operations client. */
  public static GlobalOperationsClient globalOperations(
      String endpoint, CredentialsProvider credentials) {
    try {
      GlobalOperationsSettings.Builder b =
          GlobalOperationsSettings.newBuilder().setCredentialsProvider(credentials);
      if (endpoint != null) {
        b.setEndpoint(endpoint);
      }
      b.applyToAllUnaryMethods(
          m -> {
            m.setRetryableCodes(Set.of());
            return null;
          });
      return GlobalOperationsClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Compute global operations client", e);
    }
  }
}
