package dev.mlcp.platform.gcp;

import com.google.api.core.ApiFunction;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.cloud.compute.v1.BackendServicesClient;
import com.google.cloud.compute.v1.BackendServicesSettings;
import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.GlobalOperationsSettings;
import com.google.cloud.compute.v1.HealthChecksClient;
import com.google.cloud.compute.v1.HealthChecksSettings;
import com.google.cloud.compute.v1.InstanceTemplatesClient;
import com.google.cloud.compute.v1.InstanceTemplatesSettings;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.RegionAutoscalersClient;
import com.google.cloud.compute.v1.RegionAutoscalersSettings;
import com.google.cloud.compute.v1.RegionInstanceGroupManagersClient;
import com.google.cloud.compute.v1.RegionInstanceGroupManagersSettings;
import com.google.cloud.compute.v1.RegionOperationsClient;
import com.google.cloud.compute.v1.RegionOperationsSettings;
import com.google.cloud.compute.v1.UrlMapsClient;
import com.google.cloud.compute.v1.UrlMapsSettings;
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

  /**
   * No credentials when an endpoint override is set and points at an emulator or test server
   * ({@code mlcp.endpoints.emulator}), else the defaults.
   */
  public static CredentialsProvider credentials(
      String endpointOverride, boolean emulator, CredentialsProvider defaults) {
    return isEmulator(endpointOverride, emulator) ? NoCredentialsProvider.create() : defaults;
  }

  /**
   * Whether calls to {@code endpointOverride} go without credentials (and gRPC in plaintext): an
   * override is set and {@code emulator} says the overrides are emulators or test servers.
   */
  public static boolean isEmulator(String endpointOverride, boolean emulator) {
    return emulator && endpointOverride != null;
  }

  /** A Compute instances client. */
  public static InstancesClient instances(String endpoint, CredentialsProvider credentials) {
    var b = configure(InstancesSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("Compute instances", () -> InstancesClient.create(b.build()));
  }

  /** A Compute zone operations client. */
  public static ZoneOperationsClient zoneOperations(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(ZoneOperationsSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("Compute zone operations", () -> ZoneOperationsClient.create(b.build()));
  }

  /** A Compute region operations client. */
  public static RegionOperationsClient regionOperations(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(RegionOperationsSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("Compute region operations", () -> RegionOperationsClient.create(b.build()));
  }

  /** A Compute global operations client. */
  public static GlobalOperationsClient globalOperations(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(GlobalOperationsSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("Compute global operations", () -> GlobalOperationsClient.create(b.build()));
  }

  /** Compute instance templates. */
  public static InstanceTemplatesClient instanceTemplates(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(InstanceTemplatesSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("instance templates", () -> InstanceTemplatesClient.create(b.build()));
  }

  /** Compute regional managed instance groups. */
  public static RegionInstanceGroupManagersClient regionGroupManagers(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(RegionInstanceGroupManagersSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build(
        "instance group managers", () -> RegionInstanceGroupManagersClient.create(b.build()));
  }

  /** Compute regional autoscalers. */
  public static RegionAutoscalersClient regionAutoscalers(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(RegionAutoscalersSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("autoscalers", () -> RegionAutoscalersClient.create(b.build()));
  }

  /** Compute health checks. */
  public static HealthChecksClient healthChecks(String endpoint, CredentialsProvider credentials) {
    var b = configure(HealthChecksSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("health checks", () -> HealthChecksClient.create(b.build()));
  }

  /** Compute backend services. */
  public static BackendServicesClient backendServices(
      String endpoint, CredentialsProvider credentials) {
    var b = configure(BackendServicesSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("backend services", () -> BackendServicesClient.create(b.build()));
  }

  /** Compute URL maps. */
  public static UrlMapsClient urlMaps(String endpoint, CredentialsProvider credentials) {
    var b = configure(UrlMapsSettings.newBuilder(), endpoint, credentials);
    b.applyToAllUnaryMethods(NO_RETRIES);
    return build("URL maps", () -> UrlMapsClient.create(b.build()));
  }

  /** Switches a client's own retries off: {@link Retrier} decides what is safe to repeat. */
  private static final ApiFunction<UnaryCallSettings.Builder<?, ?>, Void> NO_RETRIES =
      m -> {
        m.setRetryableCodes(Set.of());
        return null;
      };

  /** Credentials and the optional endpoint override, the same for every client. */
  private static <S extends ClientSettings<S>, B extends ClientSettings.Builder<S, B>> B configure(
      B builder, String endpoint, CredentialsProvider credentials) {
    builder.setCredentialsProvider(credentials);
    if (endpoint != null) {
      builder.setEndpoint(endpoint);
    }
    return builder;
  }

  /** Creating a client that fails is a configuration error, reported with what it was for. */
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
}
