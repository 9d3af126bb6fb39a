package dev.mlcp.platform.instances.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What local "VMs" get besides their metadata: the agent environment (the fake iptables, a free
 * token-server port), a service-account token of their own that the local Google APIs accept for
 * that instance only, and container logs filed under the configured metadata attribute.
 */
class LocalAgentSupportTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent().getParent();
  static final Path FAKE_DOCKER = REPO.resolve("infra/vm/testing/fake-docker");
  static final String LOG_KEY = "mlcp-log-key";
  static final String PROJECT = "local-proj";
  static final String ZONE = "local-a";

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;
  private LocalProcessInstances instances;
  private LocalDirectoryObjectStore store;
  private LocalFileSecrets secrets;
  private JsonLinesLogs logs;

  @BeforeEach
  void setUp() throws Exception {
    // A stand-in agent: writes the environment the tests look at and one container log line,
    // then waits to be deleted.
    Path agent = state.resolve("agent.sh");
    Files.writeString(
        agent,
        "#!/bin/bash\n"
            + "printf '%s\\n' \"${MLCP_IPTABLES:-}\" \"${MLCP_FAKE_IPTABLES_STATE:-}\""
            + " \"${MLCP_TOKEN_SERVER_PORT:-}\" > agent-env.txt\n"
            + "echo \"hello from $MLCP_INSTANCE_NAME\" >> \"$MLCP_CONTAINER_LOG\"\n"
            + "exec sleep 60\n");
    store = new LocalDirectoryObjectStore(state.resolve("objects"));
    secrets = new LocalFileSecrets(state.resolve("secrets"), Clock.systemUTC());
    for (String id : List.of("run-a-key", "run-b-key")) {
      secrets.create(id, Map.of());
      secrets.addVersion(id, SecretValue.ofUtf8("value of " + id));
    }
    logs = new JsonLinesLogs(state.resolve("logs"));
    instances =
        new LocalProcessInstances(
            state.resolve("state"),
            List.of("bash", agent.toString()),
            PROJECT,
            Clock.systemUTC(),
            new LocalProcessInstances.AgentSupport(
                store, secrets, logs, Map.of("MLCP_DOCKER", FAKE_DOCKER.toString()), LOG_KEY));
  }

  @AfterEach
  void tearDown() {
    instances.listAll(InstanceFilter.all()).forEach(i -> instances.delete(i.zone(), i.name()));
    instances.close();
  }

  @Test
  void local_vm_with_the_fake_docker_gets_the_fake_iptables_and_a_free_token_server_port()
      throws Exception {
    instances.create(spec("vm-a", "run-a"));
    Path env = state.resolve("state/instances/vm-a/agent-env.txt");

    await(() -> Files.exists(env) && lines(env).size() == 3);

    assertThat(lines(env))
        .containsExactly(
            REPO.resolve("infra/vm/testing/fake-iptables").toString(),
            state.resolve("state/instances/vm-a/iptables.rules").toString(),
            "0");
  }

  @Test
  void container_logs_are_filed_under_the_configured_metadata_attribute() throws Exception {
    instances.create(spec("vm-a", "run-a"));

    await(() -> !logs.read("logs-of-vm-a", null, 10).entries().isEmpty());

    assertThat(logs.read("logs-of-vm-a", null, 10).entries())
        .extracting(LogEntry::message)
        .containsExactly("hello from vm-a");
    assertThat(logs.read("run-a", null, 10).entries()).isEmpty();
  }

  @Test
  void each_local_vm_gets_its_own_random_token_on_its_own_metadata_path_only() throws Exception {
    instances.create(spec("vm-a", "run-a"));
    instances.create(spec("vm-b", "run-b"));

    String a = token("vm-a");
    String b = token("vm-b");

    assertThat(a).startsWith("mlcp-local-").hasSizeGreaterThan(40).isNotEqualTo(b);
    assertThat(b).startsWith("mlcp-local-");
    assertThat(List.of(a, b)).doesNotContain("local-placeholder-token");
    assertThat(token("vm-a")).isEqualTo(a);
    Path file = state.resolve("state/instances/vm-a/agent.token");
    assertThat(Files.readString(file)).isEqualTo(a);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(state.resolve("state/instances/vm-a/instance.json")))
        .doesNotContain(a);
    HttpResponse<String> noHeader =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        instances.metadataUrl("vm-a") + "/instance/service-accounts/default/token"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(noHeader.statusCode()).isEqualTo(403);
    assertThat(noHeader.body()).doesNotContain(a);
  }

  @Test
  void token_of_one_vm_can_get_and_delete_only_its_own_instance() throws Exception {
    instances.create(spec("vm-a", "run-a"));
    instances.create(spec("vm-b", "run-b"));
    String a = token("vm-a");

    assertThat(call("GET", computeUrl("vm-b"), a, null).statusCode()).isEqualTo(403);
    assertThat(call("DELETE", computeUrl("vm-b"), a, null).statusCode()).isEqualTo(403);
    assertThat(call("GET", computeUrl("vm-a"), a, null).statusCode()).isEqualTo(200);

    Thread.sleep(500); // a granted delete happens 200 ms after its answer
    assertThat(instances.get(ZONE, "vm-b")).as("B survives A's token").isPresent();
    assertThat(call("DELETE", computeUrl("vm-a"), a, null).statusCode()).isEqualTo(200);
    await(() -> instances.get(ZONE, "vm-a").isEmpty());
    assertThat(instances.get(ZONE, "vm-b")).isPresent();
  }

  @Test
  void token_of_one_vm_cannot_upload_outside_its_output_prefix() throws Exception {
    instances.create(spec("vm-a", "run-a"));
    instances.create(spec("vm-b", "run-b"));
    String a = token("vm-a");

    for (String[] target :
        List.of(
            new String[] {"mlcp-local", "staging/run-b/model.json"},
            new String[] {"mlcp-local", "staging/run-a"},
            new String[] {"mlcp-local", "staging/run-ab/x"},
            new String[] {"mlcp-local", "training-runner/runs/run-a.json"},
            new String[] {"other-bucket", "staging/run-a/model.json"})) {
      HttpResponse<String> answer = call("POST", uploadUrl(target[0], target[1]), a, "forged");
      assertThat(answer.statusCode()).as(String.join("/", target)).isEqualTo(403);
      assertThat(store.stat(new ObjectUri(target[0], target[1])).isPresent()).isFalse();
    }
    HttpResponse<String> traversal =
        call("POST", uploadUrl("mlcp-local", "staging/run-a/../run-b/x"), a, "forged");
    assertThat(traversal.statusCode()).isEqualTo(400);
    assertThat(store.stat(new ObjectUri("mlcp-local", "staging/run-b/x")).isPresent()).isFalse();

    assertThat(
            call("POST", uploadUrl("mlcp-local", "staging/run-a/model.json"), a, "mine")
                .statusCode())
        .isEqualTo(200);
    assertThat(store.stat(new ObjectUri("mlcp-local", "staging/run-a/model.json")).isPresent())
        .isTrue();
  }

  @Test
  void token_of_one_vm_cannot_read_a_secret_its_run_did_not_name() throws Exception {
    instances.create(spec("vm-a", "run-a"));
    instances.create(spec("vm-b", "run-b"));
    String a = token("vm-a");

    HttpResponse<String> other = call("GET", secretUrl("run-b-key", "latest"), a, null);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.body()).doesNotContain("value of");

    HttpResponse<String> own = call("GET", secretUrl("run-a-key", "latest"), a, null);
    assertThat(own.statusCode()).isEqualTo(200);
    String data = JSON.readTree(own.body()).path("payload").path("data").asText();
    assertThat(new String(java.util.Base64.getDecoder().decode(data), StandardCharsets.UTF_8))
        .isEqualTo("value of run-a-key");
  }

  @Test
  void token_of_one_vm_reads_only_the_inputs_its_plan_names_and_its_own_output() throws Exception {
    String plan =
        "[{\"n\":0,\"source\":\"models:/m/1\",\"kind\":\"gcs\","
            + "\"uri\":\"gs://mlcp-local/registry/models/m/versions/1/\"}]";
    instances.create(spec("vm-a", "run-a", Map.of("mlcp-input-plan", plan)));
    instances.create(spec("vm-b", "run-b"));
    String a = token("vm-a");
    String b = token("vm-b");
    for (String name :
        List.of(
            "registry/models/m/versions/1/model.json",
            "registry/models/m/versions/1/sub/weights.bin",
            "registry/models/m/versions/2/model.json",
            "staging/run-a/_mlcp/inputs/0/part-0.parquet")) {
      store.write(
          new ObjectUri("mlcp-local", name),
          ("bytes of " + name).getBytes(StandardCharsets.UTF_8),
          "application/octet-stream",
          dev.mlcp.platform.objects.WriteCondition.none());
    }

    HttpResponse<String> media =
        call("GET", objectUrl("registry/models/m/versions/1/sub/weights.bin", true), a, null);
    assertThat(media.statusCode()).as(media.body()).isEqualTo(200);
    assertThat(media.body()).isEqualTo("bytes of registry/models/m/versions/1/sub/weights.bin");
    HttpResponse<String> meta =
        call("GET", objectUrl("registry/models/m/versions/1/model.json", false), a, null);
    assertThat(meta.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(meta.body()).path("md5Hash").asText()).isNotEmpty();
    HttpResponse<String> listing = call("GET", listUrl("registry/models/m/versions/1/"), a, null);
    assertThat(listing.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(listing.body()).path("items").findValuesAsText("name"))
        .containsExactlyInAnyOrder(
            "registry/models/m/versions/1/model.json",
            "registry/models/m/versions/1/sub/weights.bin");
    assertThat(
            call("GET", objectUrl("staging/run-a/_mlcp/inputs/0/part-0.parquet", true), a, null)
                .statusCode())
        .as("its own output prefix (BigQuery exports)")
        .isEqualTo(200);
    assertThat(
            call("GET", objectUrl("registry/models/m/versions/1/missing", false), a, null)
                .statusCode())
        .isEqualTo(404);

    HttpResponse<String> other =
        call("GET", objectUrl("registry/models/m/versions/2/model.json", true), a, null);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.body()).doesNotContain("bytes of");
    assertThat(call("GET", listUrl("registry/models/m/versions/"), a, null).statusCode())
        .isEqualTo(403);
    assertThat(call("GET", listUrl("registry/models/m/versions/1"), a, null).statusCode())
        .as("a sibling prefix like versions/10 is not inside versions/1/")
        .isEqualTo(403);
    assertThat(
            call("GET", objectUrl("registry/models/m/versions/1/model.json", true), b, null)
                .statusCode())
        .as("a VM whose plan does not name the input")
        .isEqualTo(403);
    assertThat(
            call("GET", objectUrl("registry/models/m/versions/1/model.json", true), null, null)
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void placeholder_token_unknown_token_and_no_token_are_refused() throws Exception {
    instances.create(spec("vm-a", "run-a"));
    token("vm-a");

    for (String bad : new String[] {"local-placeholder-token", "mlcp-local-guess", null}) {
      assertThat(call("GET", computeUrl("vm-a"), bad, null).statusCode()).isEqualTo(401);
      assertThat(call("DELETE", computeUrl("vm-a"), bad, null).statusCode()).isEqualTo(401);
      assertThat(
              call("POST", uploadUrl("mlcp-local", "staging/run-a/x"), bad, "forged").statusCode())
          .isEqualTo(401);
      assertThat(call("GET", secretUrl("run-a-key", "latest"), bad, null).statusCode())
          .isEqualTo(401);
    }
    Thread.sleep(500);
    assertThat(instances.get(ZONE, "vm-a")).isPresent();
    assertThat(store.stat(new ObjectUri("mlcp-local", "staging/run-a/x")).isPresent()).isFalse();
  }

  static InstanceSpec spec(String name, String runId) {
    return spec(name, runId, Map.of());
  }

  static InstanceSpec spec(String name, String runId, Map<String, String> extra) {
    Map<String, String> metadata =
        new java.util.HashMap<>(
            Map.of(
                "mlcp-run-id",
                runId,
                LOG_KEY,
                "logs-of-" + name,
                "mlcp-output-uri",
                "gs://mlcp-local/staging/" + runId + "/",
                "mlcp-secrets",
                "{\"API_KEY\": \"projects/" + PROJECT + "/secrets/" + runId + "-key\"}"));
    metadata.putAll(extra);
    return new InstanceSpec(
        name,
        List.of(ZONE),
        "e2-standard-2",
        List.of(),
        new BootDisk("local", 10, null),
        false,
        Map.of("mlcp-run", runId),
        metadata,
        null,
        Duration.ofMinutes(5),
        false);
  }

  /** The token the local metadata server hands instance {@code name}, as its agent asks. */
  private String token(String name) throws Exception {
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        instances.metadataUrl(name) + "/instance/service-accounts/default/token"))
                .header("Metadata-Flavor", "Google")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body()).path("access_token").asText();
  }

  private String root() {
    URI metadata = URI.create(instances.metadataUrl("x"));
    return metadata.getScheme() + "://" + metadata.getAuthority();
  }

  private String computeUrl(String name) {
    return root() + "/compute/v1/projects/" + PROJECT + "/zones/" + ZONE + "/instances/" + name;
  }

  private String uploadUrl(String bucket, String name) {
    return root()
        + "/storage/upload/storage/v1/b/"
        + bucket
        + "/o?uploadType=media&name="
        + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private String objectUrl(String name, boolean media) {
    return root()
        + "/storage/storage/v1/b/mlcp-local/o/"
        + URLEncoder.encode(name, StandardCharsets.UTF_8)
        + (media ? "?alt=media" : "");
  }

  private String listUrl(String prefix) {
    return root()
        + "/storage/storage/v1/b/mlcp-local/o?prefix="
        + URLEncoder.encode(prefix, StandardCharsets.UTF_8);
  }

  private String secretUrl(String id, String version) {
    return root()
        + "/secrets/v1/projects/"
        + PROJECT
        + "/secrets/"
        + id
        + "/versions/"
        + version
        + ":access";
  }

  private static HttpResponse<String> call(String method, String url, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(condition.getAsBoolean()).as("condition within 20 s").isTrue();
  }
}
