package dev.mlcp.serving;

import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * serving-deployer boots with health, OpenAPI, metrics and default-deny auth, against the real
 * emulator.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
class BootTest extends ServiceContractTest {
  @Override
  protected String apiPath() {
    return "/v1/services";
  }
}
