package dev.mlcp.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link PubSubEmulator} for a {@code @QuarkusTest} (or {@code @QuarkusIntegrationTest})
 * and points the mlcp-pubsub connector at it ({@code mlcp.pubsub.emulator-host}, {@code
 * mlcp.project-id}, {@code mlcp.pubsub.provision=true}). It also hands the service the TEST-ONLY
 * public key of {@link TestTokens} as a file ({@code mlcp.auth.local.public-key-location}): the
 * packaged app an integration test starts has no test classpath. Tests reach the emulator through a
 * field annotated {@link InjectPubSubEmulator} or {@link #current()}.
 *
 * <p>Init arg {@code down-at-start=true} stops the emulator before the application starts (its port
 * stays reserved in config), so a test can check that the application starts without Pub/Sub and
 * recovers after {@link PubSubEmulator#restart()}.
 */
public final class PubSubEmulatorResource implements QuarkusTestResourceLifecycleManager {
  /** Init arg: stop the emulator before the application starts. */
  public static final String DOWN_AT_START = "down-at-start";

  private static volatile PubSubEmulator current;

  private PubSubEmulator emulator;
  private boolean downAtStart;

  @Override
  public void init(Map<String, String> initArgs) {
    downAtStart = Boolean.parseBoolean(initArgs.getOrDefault(DOWN_AT_START, "false"));
  }

  @Override
  public Map<String, String> start() {
    emulator = PubSubEmulator.start();
    current = emulator;
    if (downAtStart) {
      emulator.stop();
    }
    return Map.of(
        "mlcp.pubsub.emulator-host", emulator.hostPort(),
        "mlcp.project-id", emulator.projectId(),
        "mlcp.pubsub.provision", "true",
        "mlcp.auth.local.public-key-location", testKeyFile());
  }

  private static String testKeyFile() {
    try {
      java.nio.file.Path file = java.nio.file.Files.createTempFile("mlcp-test-key", ".pem");
      file.toFile().deleteOnExit();
      java.nio.file.Files.writeString(file, TestTokens.publicKeyPem());
      return file.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        emulator,
        new TestInjector.AnnotatedAndMatchesType(InjectPubSubEmulator.class, PubSubEmulator.class));
  }

  @Override
  public void stop() {
    if (emulator != null) {
      emulator.close();
    }
  }

  /** The emulator of the most recently started resource. */
  public static PubSubEmulator current() {
    PubSubEmulator emulator = current;
    if (emulator == null) {
      throw new IllegalStateException("no PubSubEmulatorResource has started");
    }
    return emulator;
  }
}
