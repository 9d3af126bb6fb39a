package dev.mlcp.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.testing.PubSubEmulator;
import dev.mlcp.testing.TestTokens;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged training-runner is killed with SIGKILL while a run trains on a local VM and started
 * again: the VM keeps training (as a GCE VM would), its completion waits on Pub/Sub, and the
 * restarted service marks the run SUCCEEDED and deletes the VM. Runs in the integration-test phase,
 * against the jar built by {@code package}.
 */
class CrashRestartIT {
  static final Path MODULE = Path.of("").toAbsolutePath();
  static final Path REPO = MODULE.getParent().getParent();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  final List<Process> services = new ArrayList<>();
  final List<ProcessHandle> vms = new ArrayList<>();
  PubSubEmulator emulator;
  int port;

  @AfterEach
  void stopEverything() {
    services.forEach(Process::destroyForcibly);
    vms.forEach(ProcessHandle::destroyForcibly);
    if (emulator != null) {
      emulator.close();
    }
  }

  @Test
  void run_survives_a_kill_9_of_the_service_and_its_vm_is_deleted_after_restart() throws Exception {
    emulator = PubSubEmulator.start("mlcp-local");
    port = freePort();
    Process first = startService("first");
    String token = TestTokens.googleIdToken("ana@example.com").sign();

    JsonNode run =
        send(
            token,
            "POST",
            "/v1/runs",
            "{\"name\":\"crash\",\"image\":\"europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1\","
                + "\"args\":[\"--epochs\",\"1500\"]}");
    String id = run.get("id").asText();
    assertThat(run.get("state").asText()).isEqualTo("RUNNING");
    vms.addAll(first.toHandle().descendants().toList());
    assertThat(vms).as("the local VM (agent) runs as the service's child").isNotEmpty();

    first.destroyForcibly().waitFor();
    assertThat(vms.stream().anyMatch(ProcessHandle::isAlive))
        .as("the VM outlives the service, as a GCE VM does")
        .isTrue();

    startService("second");
    JsonNode done = await(token, id, s -> s.equals("SUCCEEDED") || s.equals("FAILED"));

    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
    Path instance = home.resolve("state/instances").resolve(done.get("instance").asText());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while ((Files.exists(instance.resolve("instance.json"))
            || vms.stream().anyMatch(ProcessHandle::isAlive))
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(instance.resolve("instance.json")).as("VM deleted").doesNotExist();
    assertThat(vms.stream().filter(ProcessHandle::isAlive).toList()).as("VM processes").isEmpty();
  }

  private Process startService(String name) throws Exception {
    Path imageMap = home.resolve("image-map");
    Files.writeString(
        imageMap,
        "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer = python3 "
            + REPO.resolve("examples/sample-trainer/train.py")
            + "\n");
    Path publicKey = home.resolve("public-key.pem");
    Files.writeString(publicKey, TestTokens.publicKeyPem());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MLCP_PLATFORM", "local");
    env.put("MLCP_PROJECT_ID", "mlcp-local");
    env.put("MLCP_STATE_DIR", home.resolve("state").toString());
    env.put("MLCP_LOG_JSON", "false");
    env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
    env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
    env.put("MLCP_PUBSUB_EMULATOR_HOST", emulator.hostPort());
    env.put("MLCP_PUBSUB_PROVISION", "true");
    env.put("MLCP_PUBSUB_PUSH_AUTH", "none");
    // Pull keeps the completion on the subscription while the service is down.
    env.put("MP_MESSAGING_INCOMING_TRAINING_COMPLETED_MODE", "pull");
    env.put("MP_MESSAGING_INCOMING_TRAINING_REQUESTS_MODE", "pull");
    env.put("MLCP_AUTH_MODE", "local");
    env.put("MLCP_AUTH_LOCAL_PUBLIC_KEY_LOCATION", publicKey.toString());
    env.put("MLCP_AUTH_AUDIENCES", TestTokens.DEFAULT_AUDIENCE);
    env.put("MLCP_AUTH_ISSUERS", TestTokens.GOOGLE_ISSUER);
    env.put("MLCP_ZONES", "local-a");
    env.put("MLCP_TRAINING_STATE_URI", "gs://mlcp-local/training-runner");
    env.put("MLCP_TRAINING_STAGING_URI", "gs://mlcp-local/staging");
    env.put("MLCP_TRAINING_COMPLETION_TOPIC", "projects/mlcp-local/topics/training-completed");
    env.put("MLCP_LOCAL_AGENT_COMMAND", "bash," + REPO.resolve("infra/vm/mlcp-agent.sh"));
    env.put("MLCP_LOCAL_DOCKER", REPO.resolve("infra/vm/testing/fake-docker").toString());
    env.put("MLCP_LOCAL_IMAGE_MAP", imageMap.toString());
    env.put("MLCP_LOCAL_PUBSUB_API", "http://" + emulator.hostPort() + "/v1");
    env.put("MLCP_LOCAL_DELETE_GRACE_SECONDS", "1");
    ProcessBuilder pb =
        new ProcessBuilder(
            "java",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            MODULE.resolve("target/quarkus-app/quarkus-run.jar").toString());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(MODULE.resolve("target/crash-restart-" + name + ".log").toFile());
    Process p = pb.start();
    services.add(p);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("training-runner " + name + " exited; see its log").isTrue();
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return p;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("training-runner " + name + " not ready in 90 s");
  }

  private JsonNode send(String token, String method, String path, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json");
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return JSON.readTree(response.body());
  }

  private JsonNode await(String token, String id, Predicate<String> state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    JsonNode run = null;
    while (System.nanoTime() < deadline) {
      run = send(token, "GET", "/v1/runs/" + id, null);
      if (state.test(run.get("state").asText())) {
        return run;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("run " + id + " still " + run);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
