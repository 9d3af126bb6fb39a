package dev.mlcp.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/**
 * artifact-writer's native-image configuration: its documents, manifests and other records for
 * reflection (the document store and the REST API read and write them with Jackson).
 */
class NativeImageConfigTest {
  private static final String ARTIFACT = "mlcp-artifact-writer";

  @Test
  void every_record_and_enum_of_artifact_writer_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(RegistryBeans.class, ARTIFACT)).isEmpty();
  }
}
