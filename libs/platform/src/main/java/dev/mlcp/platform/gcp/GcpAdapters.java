package dev.mlcp.platform.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.logging.v2.LoggingClient;
import com.google.cloud.logging.v2.LoggingSettings;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.storage.StorageOptions;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.instances.ServingResources;
import dev.mlcp.platform.instances.gcp.ComputeEngineInstances;
import dev.mlcp.platform.instances.gcp.ComputeEngineServing;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.gcp.CloudLoggingLogs;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.gcp.GcsObjectStore;
import dev.mlcp.platform.objects.gcp.IamCredentialsSigner;
import dev.mlcp.platform.secrets.Secrets;
import dev.mlcp.platform.secrets.gcp.SecretManagerSecrets;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.gcp.BigQueryWarehouse;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Set;

/**
 * Builds the Google Cloud adapters from {@link GcpSettings}: Application Default Credentials
 * against Google's (or overridden) endpoints, or no credentials (and plaintext gRPC) when the
 * overrides are emulators ({@link GcpSettings#emulator()}). The clients' built-in retries are off
 * where {@link Retrier} owns retrying.
 */
public final class GcpAdapters {

  private GcpAdapters() {}

  /** Compute Engine instances. */
  public static Instances instances(GcpSettings s, Clock clock) {
    CredentialsProvider creds = computeCredentials(s);
    Retrier retrier = new Retrier(s.retry());
    ComputeOperations operations =
        new ComputeOperations(
            s.project(),
            GcpClients.zoneOperations(s.computeEndpoint(), creds),
            GcpClients.regionOperations(s.computeEndpoint(), creds),
            GcpClients.globalOperations(s.computeEndpoint(), creds),
            retrier,
            s.operationTimeout(),
            s.pollInterval(),
            clock);
    return new ComputeEngineInstances(
        s.project(), GcpClients.instances(s.computeEndpoint(), creds), operations, retrier);
  }

  /** Compute Engine serving resources (templates, MIGs, autoscalers, LB pieces). */
  public static ServingResources serving(GcpSettings s, Clock clock) {
    CredentialsProvider creds = computeCredentials(s);
    Retrier retrier = new Retrier(s.retry());
    String e = s.computeEndpoint();
    ComputeOperations operations =
        new ComputeOperations(
            s.project(),
            GcpClients.zoneOperations(e, creds),
            GcpClients.regionOperations(e, creds),
            GcpClients.globalOperations(e, creds),
            retrier,
            s.operationTimeout(),
            s.pollInterval(),
            clock);
    return new ComputeEngineServing(
        s.project(),
        s.region(),
        new ComputeEngineServing.Clients(
            GcpClients.instanceTemplates(e, creds),
            GcpClients.regionGroupManagers(e, creds),
            GcpClients.regionAutoscalers(e, creds),
            GcpClients.healthChecks(e, creds),
            GcpClients.backendServices(e, creds),
            GcpClients.urlMaps(e, creds)),
        operations,
        retrier);
  }

  private static CredentialsProvider computeCredentials(GcpSettings s) {
    return GcpClients.credentials(
        s.computeEndpoint(),
        s.emulator(),
        com.google.cloud.compute.v1.InstancesSettings.defaultCredentialsProviderBuilder().build());
  }

  /** Cloud Storage; the client's own bounded retries cover idempotent calls. */
  public static ObjectStore objectStore(GcpSettings s) {
    return objectStore(s, null, null);
  }

  /**
   * Cloud Storage whose download URLs are signed by {@code signingAccount} through the IAM
   * Credentials API ({@code iamEndpoint}, null for Google's), or by the client's credentials when
   * {@code signingAccount} is null.
   */
  public static ObjectStore objectStore(GcpSettings s, String signingAccount, String iamEndpoint) {
    StorageOptions.Builder options =
        StorageOptions.newBuilder()
            .setProjectId(s.project())
            .setRetrySettings(
                StorageOptions.getDefaultRetrySettings().toBuilder()
                    .setMaxAttempts(s.retry().maxAttempts())
                    .setInitialRetryDelayDuration(s.retry().initialBackoff())
                    .setMaxRetryDelayDuration(s.retry().maxBackoff())
                    .build());
    if (s.storageEndpoint() != null) {
      options.setHost(s.storageEndpoint());
      if (s.emulator()) {
        options.setCredentials(NoCredentials.getInstance());
      }
    }
    IamCredentialsSigner signer = null;
    if (signingAccount != null) {
      String endpoint = iamEndpoint == null ? IamCredentialsSigner.DEFAULT_ENDPOINT : iamEndpoint;
      signer =
          new IamCredentialsSigner(
              signingAccount,
              endpoint,
              GcpClients.isEmulator(iamEndpoint, s.emulator())
                  ? null
                  : IamCredentialsSigner.applicationDefault());
    }
    return new GcsObjectStore(options.build().getService(), signer);
  }

  /** Secret Manager. */
  public static Secrets secrets(GcpSettings s) {
    try {
      SecretManagerServiceSettings.Builder settings = SecretManagerServiceSettings.newBuilder();
      if (s.secretManagerEndpoint() != null) {
        settings.setEndpoint(s.secretManagerEndpoint());
        if (s.emulator()) {
          settings
              .setTransportChannelProvider(plaintext(s.secretManagerEndpoint()))
              .setCredentialsProvider(NoCredentialsProvider.create());
        }
      }
      settings.applyToAllUnaryMethods(
          m -> {
            m.setRetryableCodes(Set.of());
            return null;
          });
      return new SecretManagerSecrets(
          s.project(), SecretManagerServiceClient.create(settings.build()), new Retrier(s.retry()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Secret Manager client", e);
    }
  }

  /** Cloud Logging. */
  public static Logs logs(GcpSettings s, IdGenerator ids) {
    try {
      LoggingSettings.Builder settings = LoggingSettings.newBuilder();
      if (s.loggingEndpoint() != null) {
        settings.setEndpoint(s.loggingEndpoint());
        if (s.emulator()) {
          settings
              .setTransportChannelProvider(plaintext(s.loggingEndpoint()))
              .setCredentialsProvider(NoCredentialsProvider.create());
        }
      }
      settings.applyToAllUnaryMethods(
          m -> {
            m.setRetryableCodes(Set.of());
            return null;
          });
      return new CloudLoggingLogs(
          s.project(), LoggingClient.create(settings.build()), new Retrier(s.retry()), ids);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Cloud Logging client", e);
    }
  }

  /** BigQuery. */
  public static Warehouse warehouse(GcpSettings s, Clock clock) {
    BigQueryOptions.Builder options =
        BigQueryOptions.newBuilder()
            .setProjectId(s.project())
            .setRetrySettings(ServiceOptions.getNoRetrySettings());
    if (s.bigqueryEndpoint() != null) {
      options.setHost(s.bigqueryEndpoint());
      if (s.emulator()) {
        options.setCredentials(NoCredentials.getInstance());
      }
    }
    return new BigQueryWarehouse(
        s.project(),
        s.bigqueryLocation(),
        options.build().getService(),
        new Retrier(s.retry()),
        s.operationTimeout(),
        s.pollInterval(),
        clock);
  }

  private static TransportChannelProvider plaintext(String endpoint) {
    String target = endpoint.replaceFirst("^https?://", "");
    return InstantiatingGrpcChannelProvider.newBuilder()
        .setEndpoint(target)
        .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
        .build();
  }
}
