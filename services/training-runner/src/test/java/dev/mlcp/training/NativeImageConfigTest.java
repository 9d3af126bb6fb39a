package dev.mlcp.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/**
 * training-runner's native-image configuration: its documents and other records for reflection (the
 * document store reads and writes them with Jackson), and the VM agent script it loads by name as a
 * resource.
 */
class NativeImageConfigTest {
  private static final String ARTIFACT = "mlcp-training-runner";

  @Test
  void every_record_and_enum_of_training_runner_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(TrainingBeans.class, ARTIFACT)).isEmpty();
  }

  @Test
  void the_vm_agent_script_is_included_as_a_resource() {
    assertThat(
            NativeImageConfig.resourceProblems(
                TrainingBeans.class, ARTIFACT, TrainingBeans.AGENT_RESOURCE))
        .isEmpty();
  }
}
