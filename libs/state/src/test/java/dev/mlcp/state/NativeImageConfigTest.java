package dev.mlcp.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/**
 * What the document store writes into every document (outbox, pending events and their Jackson
 * serializers) is registered for reflection in a native image.
 */
class NativeImageConfigTest {

  @Test
  void every_record_enum_and_serializer_of_the_state_library_is_registered() {
    assertThat(NativeImageConfig.reflectionProblems(Outbox.class, "mlcp-state")).isEmpty();
  }
}
