package dev.mlcp.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import org.junit.jupiter.api.Test;

/**
 * serving-deployer's native-image configuration: its rollout documents and other records for
 * reflection (the document store and the REST API read and write them with Jackson), and the VM
 * agent script (serving mode) it loads by name as a resource.
 */
class NativeImageConfigTest {
  private static final String ARTIFACT = "mlcp-serving-deployer";

  @Test
  void every_record_and_enum_of_serving_deployer_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(ServingBeans.class, ARTIFACT)).isEmpty();
  }

  @Test
  void the_vm_agent_script_is_included_as_a_resource() {
    assertThat(
            NativeImageConfig.resourceProblems(
                ServingBeans.class, ARTIFACT, ServingBeans.AGENT_RESOURCE))
        .isEmpty();
  }
}
