package dev.mlcp.platform.gcp;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An in-process gRPC server for a Google API, built from the API's protobuf messages and method
 * names (the generated {@code *Grpc} stubs are not published to the registry this build uses, so
 * the service definition is assembled here with the same full method names and marshallers).
 */
public final class InProcessGrpc implements AutoCloseable {

  private final String name = "mlcp-test-" + UUID.randomUUID();
  private final ServerServiceDefinition.Builder service;
  private Server server;
  private ManagedChannel channel;

  /**
   * A server for {@code serviceName}, e.g. {@code
   * google.cloud.secretmanager.v1.SecretManagerService}.
   */
  public InProcessGrpc(String serviceName) {
    this.service = ServerServiceDefinition.builder(serviceName);
  }

  /** Adds a unary method; a handler throwing {@link StatusRuntimeException} returns that status. */
  public <Q extends Message, R extends Message> InProcessGrpc unary(
      String serviceName,
      String method,
      Q requestPrototype,
      R responsePrototype,
      Function<Q, R> handler) {
    MethodDescriptor<Q, R> descriptor =
        MethodDescriptor.<Q, R>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(serviceName, method))
            .setRequestMarshaller(ProtoUtils.marshaller(requestPrototype))
            .setResponseMarshaller(ProtoUtils.marshaller(responsePrototype))
            .build();
    service.addMethod(
        descriptor,
        ServerCalls.asyncUnaryCall(
            (request, observer) -> {
              try {
                observer.onNext(handler.apply(request));
                observer.onCompleted();
              } catch (StatusRuntimeException e) {
                observer.onError(e);
              } catch (RuntimeException e) {
                observer.onError(
                    Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
              }
            }));
    return this;
  }

  /** Starts the server and opens a channel to it. */
  public InProcessGrpc start() {
    try {
      server =
          InProcessServerBuilder.forName(name)
              .directExecutor()
              .addService(service.build())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return this;
  }

  /** A channel provider to hand to a GAPIC client's settings. */
  public TransportChannelProvider channelProvider() {
    return FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
