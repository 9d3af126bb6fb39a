package dev.mlcp.platform.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.auth.ServiceAccountSigner;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.compute.v1.InstancesSettings;
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
 * against Google's endpoints, or no credentials (and plaintext gRPC) against a loopback endpoint
 * override. The clients' built-in retries are off where {@link Retrier} owns retrying.
 */
public final class GcpAdapters {

  private GcpAdapters() {}

  private static CredentialsProvider credentials(String endpoint, CredentialsProvider defaults) {
    return GcpClients.credentials(endpoint, defaults);
  }

  /** Compute Engine instances. */
  public static Instances instances(GcpSettings s, Clock clock) {
    CredentialsProvider creds =
        credentials(
            s.computeEndpoint(), InstancesSettings.defaultCredentialsProviderBuilder().build());
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
    CredentialsProvider creds =
        credentials(
            s.computeEndpoint(), InstancesSettings.defaultCredentialsProviderBuilder().build());
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

  /** Cloud Storage; the client's own bounded retries cover idempotent calls. */
  public static ObjectStore objectStore(GcpSettings s) {
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
      if (GcpClients.isLocal(s.storageEndpoint())) {
        options.setCredentials(NoCredentials.getInstance());
      }
    }
    return new GcsObjectStore(options.build().getService(), signer(s));
  }

  /**
   * Signs download URLs through IAM Credentials signBlob as the service's own identity (or {@code
   * mlcp.signing-account}): no key file. Against a loopback endpoint no token is sent.
   */
  static IamCredentialsSigner signer(GcpSettings s) {
    String endpoint =
        s.iamCredentialsEndpoint() != null
            ? s.iamCredentialsEndpoint()
            : IamCredentialsSigner.DEFAULT_ENDPOINT;
    if (GcpClients.isLocal(endpoint)) {
      return new IamCredentialsSigner(() -> s.signingAccount(), endpoint, null);
    }
    GoogleCredentialsHolder adc = new GoogleCredentialsHolder();
    return new IamCredentialsSigner(
        () -> s.signingAccount() != null ? s.signingAccount() : adc.account(),
        endpoint,
        adc::accessToken);
  }

  /** Application Default Credentials, loaded on first use. */
  private static final class GoogleCredentialsHolder {
    private volatile GoogleCredentials credentials;

    private GoogleCredentials get() {
      GoogleCredentials c = credentials;
      if (c == null) {
        synchronized (this) {
          if (credentials == null) {
            try {
              credentials =
                  GoogleCredentials.getApplicationDefault()
                      .createScoped("https://www.googleapis.com/auth/cloud-platform");
            } catch (IOException e) {
              throw new UncheckedIOException("no Application Default Credentials", e);
            }
          }
          c = credentials;
        }
      }
      return c;
    }

    String account() {
      // On Cloud Run and GCE: ComputeEngineCredentials, whose account comes from the metadata
      // server; a service-account key (never used here) would be one too.
      return get() instanceof ServiceAccountSigner signer ? signer.getAccount() : null;
    }

    String accessToken() {
      try {
        GoogleCredentials c = get();
        c.refreshIfExpired();
        return c.getAccessToken().getTokenValue();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot get an access token to sign with", e);
      }
    }
  }

  /** Secret Manager. */
  public static Secrets secrets(GcpSettings s) {
    try {
      SecretManagerServiceSettings.Builder settings = SecretManagerServiceSettings.newBuilder();
      if (s.secretManagerEndpoint() != null) {
        settings.setEndpoint(s.secretManagerEndpoint());
        if (GcpClients.isLocal(s.secretManagerEndpoint())) {
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
        if (GcpClients.isLocal(s.loggingEndpoint())) {
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
      if (GcpClients.isLocal(s.bigqueryEndpoint())) {
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
