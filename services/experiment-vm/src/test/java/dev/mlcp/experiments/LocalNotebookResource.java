package dev.mlcp.experiments;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Local notebook "VMs": processes running the real VM agent (infra/vm) in notebook mode, with the
 * image map sending the Deep Learning VM families to the fake JupyterLab (infra/vm/testing). The
 * state directory is exposed so tests see the local "cloud" from outside the service, whether it
 * runs in the test JVM or as the packaged app.
 */
public class LocalNotebookResource implements QuarkusTestResourceLifecycleManager {
  private static volatile Path stateDir;

  /** The state directory the service under test uses (instances, objects, secrets, warehouse). */
  public static Path stateDir() {
    return stateDir;
  }

  @Override
  public Map<String, String> start() {
    Path repo = Path.of("").toAbsolutePath().getParent().getParent();
    Path dir = Path.of("target").toAbsolutePath().resolve("local-notebooks-" + System.nanoTime());
    stateDir = dir.resolve("state");
    try {
      Files.createDirectories(dir);
      Path imageMap = dir.resolve("image-map");
      Files.writeString(
          imageMap,
          "projects/deeplearning-platform-release/ = python3 "
              + repo.resolve("infra/vm/testing/fake-jupyter")
              + "\n");
      return Map.of(
          "mlcp.state-dir",
          stateDir.toString(),
          "mlcp.local.agent-command",
          "bash," + repo.resolve("infra/vm/mlcp-agent.sh"),
          "mlcp.local.image-map",
          imageMap.toString(),
          "mlcp.local.docker",
          repo.resolve("infra/vm/testing/fake-docker").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void stop() {}

  @Override
  public int order() {
    return 10;
  }
}
