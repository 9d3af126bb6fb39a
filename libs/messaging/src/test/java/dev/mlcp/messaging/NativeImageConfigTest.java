package dev.mlcp.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.cloud.pubsub.v1.Publisher;
import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/**
 * The connector's own records (push envelopes, metadata, settings) are registered for native
 * reflection; the Pub/Sub client brings its own native-image metadata.
 */
class NativeImageConfigTest {

  @Test
  void every_record_and_enum_of_the_messaging_library_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(PubSubConnector.class, "mlcp-messaging"))
        .isEmpty();
  }

  @Test
  void the_pubsub_client_and_its_grpc_transport_carry_their_own_native_image_metadata() {
    assertThat(NativeImageConfig.nativeImageMetadata(Publisher.class))
        .anyMatch(f -> f.endsWith("reflect-config.json"));
    assertThat(NativeImageConfig.nativeImageMetadata(GrpcTransportChannel.class))
        .anyMatch(f -> f.endsWith("native-image.properties"));
  }
}
