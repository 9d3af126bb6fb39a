package dev.mlcp.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/** The web library's records (problems, tokens, callers) are registered for native reflection. */
class NativeImageConfigTest {

  @Test
  void every_record_and_enum_of_the_web_library_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(ApiException.class, "mlcp-web")).isEmpty();
  }
}
