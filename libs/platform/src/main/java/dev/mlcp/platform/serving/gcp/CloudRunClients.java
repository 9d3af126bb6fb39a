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

/** Cloud Run Admin API v2 clients, with an optional (loopback: plaintext) endpoint override. */
public final class CloudRunClients {
  private CloudRunClients() {}

  /** The Services client. */
  public static ServicesClient services(String endpoint) {
    try {
      ServicesSettings.Builder b = ServicesSettings.newBuilder();
      CredentialsProvider creds =
          GcpClients.credentials(
              endpoint, ServicesSettings.defaultCredentialsProviderBuilder().build());
      b.setCredentialsProvider(creds);
      if (endpoint != null) {
        b.setTransportChannelProvider(channel(endpoint));
      }
      return ServicesClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Cloud Run services client", e);
    }
  }

  /** The Revisions client. */
  public static RevisionsClient revisions(String endpoint) {
    try {
      RevisionsSettings.Builder b = RevisionsSettings.newBuilder();
      b.setCredentialsProvider(
          GcpClients.credentials(
              endpoint, RevisionsSettings.defaultCredentialsProviderBuilder().build()));
      if (endpoint != null) {
        b.setTransportChannelProvider(channel(endpoint));
      }
      return RevisionsClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Cloud Run revisions client", e);
    }
  }

  private static InstantiatingGrpcChannelProvider channel(String endpoint) {
    String target = endpoint.replaceFirst("^https?://", "");
    InstantiatingGrpcChannelProvider.Builder b =
        InstantiatingGrpcChannelProvider.newBuilder().setEndpoint(target);
    if (GcpClients.isLocal(endpoint)) {
      b.setChannelConfigurator(ManagedChannelBuilder::usePlaintext);
    }
    return b.build();
  }
}
