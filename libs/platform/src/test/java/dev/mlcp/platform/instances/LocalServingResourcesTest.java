package dev.mlcp.platform.instances;

import dev.mlcp.platform.instances.local.LocalServingResources;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class LocalServingResourcesTest extends ServingResourcesContract {

  @TempDir Path state;
  private LocalServingResources serving;

  @BeforeEach
  void setUp() {
    serving = new LocalServingResources(state);
  }

  @Override
  protected ServingResources serving() {
    return serving;
  }
}
