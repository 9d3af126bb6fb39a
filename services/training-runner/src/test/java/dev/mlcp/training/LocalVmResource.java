package dev.mlcp.training;

import dev.mlcp.testing.PubSubEmulatorResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Local "VMs" that run the real VM agent (infra/vm) with the fake docker, the sample trainer as the
 * demo image, and the test's Pub/Sub emulator as publish endpoint. Starts after the emulator
 * resource, whose port it needs.
 */
public class LocalVmResource implements QuarkusTestResourceLifecycleManager {
  /** The image the demo submits; the image map runs the sample trainer for it. */
  public static final String TRAINER_IMAGE =
      "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1";

  private static volatile Path stateDir;

  /**
   * The state directory the service under test uses (instances, objects), so tests see its local
   * "cloud" from the outside, whether the service runs in the test JVM or as the packaged app.
   */
  public static Path stateDir() {
    return stateDir;
  }

  @Override
  public Map<String, String> start() {
    Path repo = Path.of("").toAbsolutePath().getParent().getParent();
    Path dir = Path.of("target").toAbsolutePath().resolve("local-vms-" + System.nanoTime());
    stateDir = dir.resolve("state");
    try {
      Files.createDirectories(dir);
      Path imageMap = dir.resolve("image-map");
      Files.writeString(
          imageMap,
          "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer = python3 "
              + repo.resolve("examples/sample-trainer/train.py")
              + "\n");
      String emulator = PubSubEmulatorResource.current().hostPort();
      return Map.of(
          "mlcp.state-dir",
          dir.resolve("state").toString(),
          "mlcp.local.agent-command",
          "bash," + repo.resolve("infra/vm/mlcp-agent.sh"),
          "mlcp.local.docker",
          repo.resolve("infra/vm/testing/fake-docker").toString(),
          "mlcp.local.image-map",
          imageMap.toString(),
          "mlcp.local.pubsub-api",
          "http://" + emulator + "/v1",
          "mlcp.local.delete-grace-seconds",
          "0");
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
