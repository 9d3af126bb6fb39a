package dev.mlcp.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/**
 * experiment-vm's native-image configuration: its documents, views and other records for reflection
 * (the document store and the REST layer read and write them with Jackson), and the VM agent script
 * it loads by name as a resource (a notebook VM's startup script).
 */
class NativeImageConfigTest {
  private static final String ARTIFACT = "mlcp-experiment-vm";

  @Test
  void every_record_and_enum_of_experiment_vm_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(ExperimentBeans.class, ARTIFACT)).isEmpty();
  }

  @Test
  void the_vm_agent_script_is_included_as_a_resource() {
    assertThat(
            NativeImageConfig.resourceProblems(
                ExperimentBeans.class, ARTIFACT, ExperimentBeans.AGENT_RESOURCE))
        .isEmpty();
  }
}
