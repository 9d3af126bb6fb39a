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

  /** Any Compute client: endpoint override, credentials, client retries off. */
  @FunctionalInterface
  interface ClientFactory<C> {
    C create() throws IOException;
  }

  private static <C> C build(String what, ClientFactory<C> factory) {
    try {
      return factory.create();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the " + what + " client", e);
    }
  }

  /** Compute instance templates. */
  public static com.google.cloud.compute.v1.InstanceTemplatesClient instanceTemplates(
      String endpoint, CredentialsProvider credentials) {
    var b =
        com.google.cloud.compute.v1.InstanceTemplatesSettings.newBuilder()
            .setCredentialsProvider(credentials);
    if (endpoint != null) {
      b.setEndpoint(endpoint);
    }
    b.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    return build(
        "instance templates",
        () -> com.google.cloud.compute.v1.InstanceTemplatesClient.create(b.build()));
  }

  /** Compute regional managed instance groups. */
  public static com.google.cloud.compute.v1.RegionInstanceGroupManagersClient regionGroupManagers(
      String endpoint, CredentialsProvider credentials) {
    var b =
        com.google.cloud.compute.v1.RegionInstanceGroupManagersSettings.newBuilder()
            .setCredentialsProvider(credentials);
    if (endpoint != null) {
      b.setEndpoint(endpoint);
    }
    b.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    return build(
        "instance group managers",
        () -> com.google.cloud.compute.v1.RegionInstanceGroupManagersClient.create(b.build()));
  }

  /** Compute regional autoscalers. */
  public static com.google.cloud.compute.v1.RegionAutoscalersClient regionAutoscalers(
      String endpoint, CredentialsProvider credentials) {
    var b =
        com.google.cloud.compute.v1.RegionAutoscalersSettings.newBuilder()
            .setCredentialsProvider(credentials);
    if (endpoint != null) {
      b.setEndpoint(endpoint);
    }
    b.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    return build(
        "autoscalers", () -> com.google.cloud.compute.v1.RegionAutoscalersClient.create(b.build()));
  }

  /** Compute health checks. */
  public static com.google.cloud.compute.v1.HealthChecksClient healthChecks(
      String endpoint, CredentialsProvider credentials) {
    var b =
        com.google.cloud.compute.v1.HealthChecksSettings.newBuilder()
            .setCredentialsProvider(credentials);
    if (endpoint != null) {
      b.setEndpoint(endpoint);
    }
    b.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    return build(
        "health checks", () -> com.google.cloud.compute.v1.HealthChecksClient.create(b.build()));
  }

  /** Compute backend services. */
  public static com.google.cloud.compute.v1.BackendServicesClient backendServices(
      String endpoint, CredentialsProvider credentials) {
    var b =
        com.google.cloud.compute.v1.BackendServicesSettings.newBuilder()
            .setCredentialsProvider(credentials);
    if (endpoint != null) {
      b.setEndpoint(endpoint);
    }
    b.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    return build(
        "backend services",
        () -> com.google.cloud.compute.v1.BackendServicesClient.create(b.build()));
  }

  /** Compute URL maps. */
  public static com.google.cloud.compute.v1.UrlMapsClient urlMaps(
      String endpoint, CredentialsProvider credentials) {
    var b =
        com.google.cloud.compute.v1.UrlMapsSettings.newBuilder()
            .setCredentialsProvider(credentials);
    if (endpoint != null) {
      b.setEndpoint(endpoint);
    }
    b.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    return build("URL maps", () -> com.google.cloud.compute.v1.UrlMapsClient.create(b.build()));
  }
}
