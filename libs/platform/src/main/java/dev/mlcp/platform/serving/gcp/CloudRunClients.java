package dev.mlcp.platform.serving.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.cloud.run.v2.RevisionsClient;
import com.google.cloud.run.v2.RevisionsSettings;
import com.google.cloud.run.v2.ServicesClient;
import com.google.cloud.run.v2.ServicesSettings;
import dev.mlcp.platform.gcp.GcpClients;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Cloud Run Admin API v2 clients, with an optional endpoint override (an emulator or test server:
 * plaintext, no credentials).
 */
public final class CloudRunClients {
  private CloudRunClients() {}

  /**
   * The Services client.
   *
   * @param endpoint gRPC {@code host:port} override, null for Google's
   * @param emulator whether the override is an emulator or test server ({@code
   *     mlcp.endpoints.emulator})
   */
  public static ServicesClient services(String endpoint, boolean emulator) {
    try {
      ServicesSettings.Builder b = ServicesSettings.newBuilder();
      CredentialsProvider creds =
          GcpClients.credentials(
              endpoint, emulator, ServicesSettings.defaultCredentialsProviderBuilder().build());
      b.setCredentialsProvider(creds);
      if (endpoint != null) {
        b.setTransportChannelProvider(channel(endpoint, emulator));
      }
      return ServicesClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Cloud Run services client", e);
    }
  }

  /** The Revisions client; the parameters are those of {@link #services}. */
  public static RevisionsClient revisions(String endpoint, boolean emulator) {
    try {
      RevisionsSettings.Builder b = RevisionsSettings.newBuilder();
      b.setCredentialsProvider(
          GcpClients.credentials(
              endpoint, emulator, RevisionsSettings.defaultCredentialsProviderBuilder().build()));
      if (endpoint != null) {
        b.setTransportChannelProvider(channel(endpoint, emulator));
      }
      return RevisionsClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Cloud Run revisions client", e);
    }
  }

  private static InstantiatingGrpcChannelProvider channel(String endpoint, boolean emulator) {
    String target = endpoint.replaceFirst("^https?://", "");
    InstantiatingGrpcChannelProvider.Builder b =
        InstantiatingGrpcChannelProvider.newBuilder().setEndpoint(target);
    if (emulator) {
      b.setChannelConfigurator(ManagedChannelBuilder::usePlaintext);
    }
    return b.build();
  }
}
