package dev.mlcp.platform.instances.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import dev.mlcp.testing.PubSubEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local "VM" end to end: the real VM agent (infra/vm/mlcp-agent.sh) runs the sample trainer
 * through the fake docker, uploads its outputs through the local GCS API into the ObjectStore,
 * reads a secret through the local Secret Manager API, publishes its completion to the real Pub/Sub
 * emulator and deletes its own instance through the local Compute API; its output becomes the run's
 * logs.
 */
class LocalAgentRoundTripTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent().getParent();
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer";
  static PubSubEmulator emulator;

  @TempDir Path state;

  @BeforeAll
  static void startEmulator() {
    emulator = PubSubEmulator.start();
    emulator.clients().createTopic("training-completed");
    emulator.clients().createPullSubscription("completed-check", "training-completed");
  }

  @AfterAll
  static void stopEmulator() {
    emulator.close();
  }

  @Test
  void agent_runs_the_trainer_uploads_publishes_and_deletes_its_own_instance() throws Exception {
    Path imageMap = state.resolve("image-map");
    Files.writeString(
        imageMap, IMAGE + " = python3 " + REPO.resolve("examples/sample-trainer/train.py") + "\n");
    LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(state.resolve("objects"));
    LocalFileSecrets secrets = new LocalFileSecrets(state.resolve("secrets"), Clock.systemUTC());
    secrets.create("api-key", Map.of());
    secrets.addVersion("api-key", SecretValue.ofUtf8("s3cr3t-value"));
    JsonLinesLogs logs = new JsonLinesLogs(state.resolve("logs"));
    Map<String, String> env =
        Map.of(
            "MLCP_PUBSUB_API",
            "http://" + emulator.hostPort() + "/v1",
            "MLCP_DOCKER",
            REPO.resolve("infra/vm/testing/fake-docker").toString(),
            "MLCP_IMAGE_MAP",
            imageMap.toString(),
            "MLCP_DELETE_GRACE_SECONDS",
            "0",
            "MLCP_SAMPLE_SECONDS",
            "1");
    try (LocalProcessInstances instances =
        new LocalProcessInstances(
            state,
            List.of("bash", REPO.resolve("infra/vm/mlcp-agent.sh").toString()),
            emulator.projectId(),
            Clock.systemUTC(),
            new LocalProcessInstances.AgentSupport(store, secrets, logs, env, "mlcp-run-id"))) {

      instances.create(spec("run-local-1"));

      List<PubsubMessage> received =
          emulator.clients().receive("completed-check", 1, Duration.ofSeconds(60));
      assertThat(received).hasSize(1);
      EventEnvelope<MlcpEvent> event =
          new CloudEventCodec()
              .decode(received.get(0).getAttributesMap(), received.get(0).getData().toByteArray());
      TrainingCompleted done = (TrainingCompleted) event.data();
      assertThat(done.exitCode()).isZero();
      assertThat(done.reason()).isNull();
      assertThat(done.outputUri()).isEqualTo("gs://mlcp-local/staging/run-local-1/");
      assertThat(done.resourceUse().wallSeconds()).isPositive();

      List<String> outputs =
          store
              .listAll(ObjectUri.parse("gs://mlcp-local/staging/run-local-1/"))
              .map(ObjectMetadata::uri)
              .map(ObjectUri::name)
              .toList();
      assertThat(outputs)
          .contains("staging/run-local-1/model.json", "staging/run-local-1/metrics.json");

      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (instances.get("local-a", "run-local-1").isPresent() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(instances.get("local-a", "run-local-1")).as("instance deleted itself").isEmpty();

      List<String> lines =
          logs.read("run-local-1", null, 1000).entries().stream().map(LogEntry::message).toList();
      assertThat(lines).anyMatch(l -> l.contains("epoch"));
      assertThat(lines).noneMatch(l -> l.contains("s3cr3t-value"));
    }
  }

  private static InstanceSpec spec(String name) {
    return new InstanceSpec(
        name,
        List.of("local-a"),
        "e2-standard-2",
        List.of(),
        new BootDisk("local", 10, null),
        false,
        Map.of("mlcp-run", name),
        Map.of(
            "mlcp-run-id",
            name,
            "mlcp-attempt",
            "1",
            "mlcp-image",
            IMAGE + ":1",
            "mlcp-args",
            "[\"--epochs\",\"20\"]",
            "mlcp-secrets",
            "[\"api-key\"]",
            "mlcp-output-uri",
            "gs://mlcp-local/staging/" + name + "/",
            "mlcp-topic",
            "projects/" + emulator.projectId() + "/topics/training-completed"),
        null,
        Duration.ofMinutes(5),
        false);
  }
}
