package dev.mlcp.vm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static dev.mlcp.vm.AgentFixture.BUCKET;
import static dev.mlcp.vm.AgentFixture.INSTANCE;
import static dev.mlcp.vm.AgentFixture.INSTANCE_PATH;
import static dev.mlcp.vm.AgentFixture.PROJECT;
import static dev.mlcp.vm.AgentFixture.PUBLISH_PATH;
import static dev.mlcp.vm.AgentFixture.TOKEN;
import static dev.mlcp.vm.AgentFixture.ZONE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.google.pubsub.v1.PubsubMessage;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.testing.EmulatorClients;
import dev.mlcp.testing.PubSubEmulator;
import dev.mlcp.vm.AgentFixture.AgentResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@code mlcp-agent.sh} against local servers, the Pub/Sub emulator and fake docker. */
class AgentTest {
  private static final String IMAGE = "europe-docker.pkg.dev/mlcp-test/trainers/sample:1.0";
  private static final String SECRET_VALUE = "sk-live-9d8c7b6a5f4e";
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static PubSubEmulator emulator;
  private static EmulatorClients pubsub;

  @TempDir Path dir;
  private AgentFixture agent;

  @BeforeAll
  static void startEmulator() {
    emulator = PubSubEmulator.start(PROJECT);
    pubsub = emulator.clients();
  }

  @AfterAll
  static void stopEmulator() {
    pubsub.close();
    emulator.close();
  }

  @BeforeEach
  void setUp() {
    agent = new AgentFixture(dir);
  }

  @AfterEach
  void tearDown() {
    agent.close();
  }

  @Test
  void happy_path_runs_the_container_uploads_outputs_publishes_and_deletes_its_instance() {
    String subscription = publishToEmulator();
    agent
        .attribute("mlcp-image", IMAGE)
        .attribute("mlcp-command", "[\"python3\", \"train.py\"]")
        .attribute("mlcp-args", "[\"--epochs\", \"3\"]")
        .attribute("mlcp-env", "{\"LEARNING_RATE\": \"0.1\"}")
        .attribute("mlcp-secrets", "[\"openai-key\"]")
        .secret("openai-key", SECRET_VALUE)
        .mapImage(
            "europe-docker.pkg.dev/mlcp-test/trainers/",
            agent
                .trainer(
                    "trainer.sh",
                    """
                    echo "model" > "$MLCP_OUTPUTS/model.txt"
                    mkdir -p "$MLCP_OUTPUTS/eval run"
                    echo '{"accuracy": 0.9}' > "$MLCP_OUTPUTS/eval run/metrics.json"
                    ln -s /etc/hostname "$MLCP_OUTPUTS/host-file"
                    python3 -c 'sum(range(200000))'
                    """)
                .toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(agent.containerArgv()).containsExactly("python3", "train.py", "--epochs", "3");
    Map<String, String> containerEnv = agent.containerEnv();
    assertThat(containerEnv)
        .containsEntry("OPENAI_KEY", SECRET_VALUE)
        .containsEntry("LEARNING_RATE", "0.1")
        .containsEntry("MLCP_RUN_ID", "run-01HX")
        .containsEntry("MLCP_ATTEMPT", "2")
        .doesNotContainKeys("MLCP_METADATA_URL", "MLCP_IMAGE_MAP");

    assertThat(agent.docker("login")).hasSize(1);
    assertThat(agent.docker("login").get(0))
        .containsExactly(
            "login",
            "-u",
            "oauth2accesstoken",
            "--password-stdin",
            "https://europe-docker.pkg.dev");
    assertThat(agent.docker("pull")).containsExactly(List.of("pull", IMAGE));
    List<String> run = agent.docker("run").get(0);
    assertThat(run)
        .startsWith("run", "--rm", "--name", "mlcp-run-01HX-2", "--cidfile")
        .containsSubsequence("--env-file", "-v", "--label", "mlcp-run=run-01HX")
        .containsSequence("--log-driver=gcplogs", "--log-opt", "labels=mlcp-run,mlcp-attempt")
        .containsSequence("--entrypoint", "python3", IMAGE, "train.py", "--epochs", "3")
        .doesNotContain("--gpus");
    assertThat(run.subList(run.size() - 4, run.size()))
        .containsExactly(IMAGE, "train.py", "--epochs", "3");
    Path envFile = Path.of(run.get(run.indexOf("--env-file") + 1));
    assertThat(envFile).startsWithRaw(agent.secretsDir).doesNotExist();
    assertThat(agent.envFileModes()).containsExactly("600");
    assertThat(run.get(run.indexOf("-v") + 1)).endsWith(":/outputs");

    List<ServeEvent> uploads = agent.outputUploads();
    assertThat(uploads)
        .extracting(u -> u.getRequest().queryParameter("name").firstValue())
        .containsExactlyInAnyOrder(
            "staging/run-01HX/model.txt", "staging/run-01HX/eval run/metrics.json");
    assertThat(uploads)
        .allSatisfy(
            u -> assertThat(u.getRequest().getHeader("Authorization")).isEqualTo("Bearer " + TOKEN))
        .anySatisfy(u -> assertThat(u.getRequest().getBodyAsString()).isEqualTo("model\n"));

    List<PubsubMessage> messages = pubsub.receive(subscription, 2, Duration.ofSeconds(3));
    assertThat(messages).hasSize(1);
    PubsubMessage message = messages.get(0);
    assertThat(message.getAttributesMap())
        .containsEntry("ce-specversion", "1.0")
        .containsEntry("ce-type", "dev.mlcp.training.completed.v1")
        .containsEntry("ce-source", "//mlcp/vm-agent/" + INSTANCE)
        .containsEntry("ce-id", "run-01HX-2-completed")
        .containsEntry("ce-subject", "run-01HX")
        .containsEntry("content-type", "application/json")
        .containsKey("ce-time");
    EventEnvelope<MlcpEvent> event =
        new CloudEventCodec().decode(message.getAttributesMap(), message.getData().toByteArray());
    TrainingCompleted completed = (TrainingCompleted) event.data();
    assertThat(completed.runId()).isEqualTo("run-01HX");
    assertThat(completed.attempt()).isEqualTo(2);
    assertThat(completed.instance()).isEqualTo(INSTANCE);
    assertThat(completed.zone()).isEqualTo(ZONE);
    assertThat(completed.exitCode()).isZero();
    assertThat(completed.reason()).isNull();
    assertThat(completed.succeeded()).isTrue();
    assertThat(completed.outputUri()).isEqualTo("gs://" + BUCKET + "/staging/run-01HX/");
    assertThat(completed.startedAt()).isNotNull().isBeforeOrEqualTo(completed.finishedAt());
    assertThat(completed.resourceUse().cpuSeconds()).isPositive();
    assertThat(completed.resourceUse().maxRssBytes()).isPositive();
    assertThat(completed.resourceUse().gpuSeconds()).isZero();
    assertThat(event.time()).isAfterOrEqualTo(completed.finishedAt());

    assertThat(agent.googleRequests(RequestMethod.GET, INSTANCE_PATH)).hasSize(1);
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH)).hasSize(1);
    agent.metadata.verify(0, anyRequestedFor(anyUrl()).withoutHeader("Metadata-Flavor"));
    assertThat(result.log()).doesNotContain(SECRET_VALUE).doesNotContain(TOKEN);
    assertThat(agent.dockerRecordText()).doesNotContain(SECRET_VALUE).doesNotContain(TOKEN);
    assertThat(agent.work).isEmptyDirectory();
    assertThat(agent.secretsDir).isEmptyDirectory();
  }

  @Test
  void container_exit_code_is_published_and_the_instance_still_deletes_itself() {
    agent
        .attribute("mlcp-image", "trainer:2")
        .attribute("mlcp-accelerator-count", "2")
        .mapImage("trainer", agent.trainer("fails.sh", "exit 3").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isEqualTo(1);
    assertThat(agent.docker("run").get(0)).containsSequence("--gpus", "all");
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.exitCode()).isEqualTo(3);
    assertThat(completed.reason()).isNull();
    assertThat(completed.succeeded()).isFalse();
    assertThat(completed.resourceUse().gpuSeconds())
        .isEqualTo(completed.resourceUse().wallSeconds() * 2, offset(0.01));
    assertPublishedThenDeleted();
  }

  @Test
  void container_cgroup_of_dockers_systemd_driver_is_measured() {
    agent
        .env("MLCP_FAKE_CGROUP_LAYOUT", "systemd")
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "python3 -c 'sum(range(200000))'").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(agent.dir.resolve("cgroup/system.slice")).isNotEmptyDirectory();
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.resourceUse().cpuSeconds()).isPositive();
    assertThat(completed.resourceUse().maxRssBytes()).isPositive();
  }

  @Test
  void image_pull_failure_is_published_as_the_reason_and_the_instance_deletes_itself() {
    agent.attribute("mlcp-image", "registry.example/unknown:1");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.docker("pull")).hasSize(3);
    assertThat(agent.docker("run")).isEmpty();
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.reason()).isEqualTo("image pull failed: registry.example/unknown:1");
    assertThat(completed.exitCode()).isEqualTo(-1);
    assertThat(completed.resourceUse().wallSeconds()).isZero();
    assertPublishedThenDeleted();
  }

  @Test
  void missing_secret_is_published_as_the_reason_and_the_instance_deletes_itself() {
    agent
        .attribute("mlcp-image", "trainer:1")
        .attribute("mlcp-secrets", "{\"HF_TOKEN\": \"hf-token\"}")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.dockerInvocations()).isEmpty();
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.reason())
        .isEqualTo("secret projects/" + PROJECT + "/secrets/hf-token not found (for HF_TOKEN)");
    assertPublishedThenDeleted();
    assertThat(agent.secretsDir).isEmptyDirectory();
  }

  @Test
  void publish_answered_503_twice_is_retried_and_accepted_once() {
    String subscription = publishToEmulator();
    String topic = agentTopic();
    String path = "/v1/" + topic + ":publish";
    agent.env("MLCP_PUBSUB_API", agent.google.baseUrl() + "/v1");
    agent.google.stubFor(
        post(urlPathEqualTo(path))
            .inScenario("publish")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("failed once"));
    agent.google.stubFor(
        post(urlPathEqualTo(path))
            .inScenario("publish")
            .whenScenarioStateIs("failed once")
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("failed twice"));
    agent.google.stubFor(
        post(urlPathEqualTo(path))
            .inScenario("publish")
            .whenScenarioStateIs("failed twice")
            .willReturn(aResponse().proxiedFrom("http://" + emulator.hostPort())));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    List<ServeEvent> publishes = agent.googleRequests(RequestMethod.POST, path);
    assertThat(publishes)
        .extracting(p -> p.getResponse().getStatus())
        .containsExactly(503, 503, 200);
    assertThat(publishes)
        .extracting(p -> AgentFixture.publishAttributes(p.getRequest().getBodyAsString()))
        .extracting(attributes -> attributes.get(0).get("ce-id"))
        .containsOnly("run-01HX-2-completed");
    List<PubsubMessage> messages = pubsub.receive(subscription, 2, Duration.ofSeconds(3));
    assertThat(messages).hasSize(1);
    assertThat(messages.get(0).getAttributesMap()).containsEntry("ce-id", "run-01HX-2-completed");
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH)).hasSize(1);
  }

  @Test
  void publish_that_never_succeeds_still_deletes_the_instance() {
    agent.google.stubFor(
        post(urlPathEqualTo(PUBLISH_PATH)).willReturn(aResponse().withStatus(403)));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.googleRequests(RequestMethod.POST, PUBLISH_PATH)).hasSize(1);
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH)).hasSize(1);
  }

  @Test
  void compute_delete_answered_429_is_retried() {
    agent.google.stubFor(
        delete(urlPathEqualTo(INSTANCE_PATH))
            .inScenario("delete")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(429))
            .willSetStateTo("throttled"));
    agent.google.stubFor(
        delete(urlPathEqualTo(INSTANCE_PATH))
            .inScenario("delete")
            .whenScenarioStateIs("throttled")
            .willReturn(okJson("{\"kind\":\"compute#operation\"}")));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH))
        .extracting(d -> d.getResponse().getStatus())
        .containsExactly(429, 200);
  }

  @Test
  void instance_already_gone_is_not_deleted_again() {
    agent.google.stubFor(get(urlPathEqualTo(INSTANCE_PATH)).willReturn(notFound()));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(agent.googleRequests(RequestMethod.GET, INSTANCE_PATH)).hasSize(1);
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH)).isEmpty();
  }

  @Test
  void upload_answered_503_is_retried_and_succeeds() {
    String path = "/upload/storage/v1/b/" + BUCKET + "/o";
    agent.google.stubFor(
        post(urlPathEqualTo(path))
            .inScenario("upload")
            .whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("recovered"));
    agent.google.stubFor(
        post(urlPathEqualTo(path))
            .inScenario("upload")
            .whenScenarioStateIs("recovered")
            .willReturn(okJson("{\"kind\":\"storage#object\"}")));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer", agent.trainer("t.sh", "echo x > \"$MLCP_OUTPUTS/model.txt\"").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(agent.outputUploads())
        .extracting(u -> u.getResponse().getStatus())
        .containsExactly(503, 200);
    assertThat(agent.outputUploads())
        .allSatisfy(u -> assertThat(u.getRequest().getBodyAsString()).isEqualTo("x\n"));
    assertThat(onlyCompletion().reason()).isNull();
  }

  @Test
  void upload_failure_is_published_as_the_reason_and_the_instance_deletes_itself() {
    agent.google.stubFor(
        post(urlPathEqualTo("/upload/storage/v1/b/" + BUCKET + "/o"))
            .willReturn(aResponse().withStatus(403)));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer", agent.trainer("t.sh", "echo x > \"$MLCP_OUTPUTS/model.txt\"").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.exitCode()).isZero();
    assertThat(completed.reason())
        .isEqualTo("upload failed for 1 of 1 files (last: model.txt answered 403)");
    assertPublishedThenDeleted();
  }

  @Test
  void container_cannot_reach_the_metadata_server_the_drop_is_first_in_docker_user_before_it_runs()
      throws Exception {
    // Docker's own RETURN is there before the agent starts, as on a VM where dockerd runs.
    Files.writeString(agent.iptablesRules, "-A DOCKER-USER -j RETURN\n");
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer",
            agent
                .trainer("t.sh", "cp '" + agent.iptablesRules + "' \"$probe/rules-when-started\"")
                .toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(Files.readAllLines(agent.probe.resolve("rules-when-started")))
        .containsExactly(AgentFixture.METADATA_DROP, "-A DOCKER-USER -j RETURN");
    assertThat(result.log()).contains("metadata server blocked for containers");
  }

  @Test
  void metadata_block_that_cannot_be_installed_fails_the_run_and_no_container_starts() {
    agent
        .env("MLCP_FAKE_IPTABLES_FAIL", "insert")
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.docker("run")).isEmpty();
    assertThat(agent.containerStarted()).isFalse();
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.reason())
        .isEqualTo(
            "metadata server not blocked for the container: iptables -I DOCKER-USER failed (4):"
                + " iptables: can't initialize iptables table `filter': Permission denied (you"
                + " must be root)");
    assertThat(completed.exitCode()).isEqualTo(-1);
    assertPublishedThenDeleted();
  }

  @Test
  void metadata_block_that_is_not_in_place_after_install_fails_the_run_and_no_container_starts() {
    agent
        .env("MLCP_FAKE_IPTABLES_FAIL", "ignore-insert")
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.docker("run")).isEmpty();
    assertThat(agent.containerStarted()).isFalse();
    assertThat(onlyCompletion().reason())
        .isEqualTo(
            "metadata server not blocked for the container: the DROP is not the first rule of"
                + " DOCKER-USER");
    assertPublishedThenDeleted();
  }

  @Test
  void metadata_block_without_an_iptables_binary_fails_the_run() {
    agent
        .env("MLCP_IPTABLES", dir.resolve("no-such-iptables").toString())
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.docker("run")).isEmpty();
    assertThat(onlyCompletion().reason())
        .startsWith(
            "metadata server not blocked for the container: iptables -I DOCKER-USER failed");
  }

  @Test
  void container_gets_a_token_downscoped_to_the_runs_prefixes_from_its_own_metadata_endpoint()
      throws Exception {
    agent
        .attribute("mlcp-image", "trainer:1")
        .attribute(
            "mlcp-inputs",
            json(
                List.of(
                    "gs://mlcp-datasets/iris/v2/",
                    "gs://mlcp-datasets/iris/v2/train/",
                    "gs://mlcp-datasets/labels.csv",
                    "gs://mlcp-features",
                    "https://example.com/data.csv",
                    "bq://project.dataset.table")))
        .mapImage(
            "trainer",
            agent
                .trainer(
                    "t.sh",
                    """
                    url="http://$GCE_METADATA_HOST/computeMetadata/v1/instance/service-accounts/default/token"
                    curl -sf -H 'Metadata-Flavor: Google' "$url?scopes=x" > "$probe/token.json"
                    curl -sf -H 'Metadata-Flavor: Google' "$url" > "$probe/token-again.json"
                    """)
                .toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    Map<String, String> containerEnv = agent.containerEnv();
    String host = containerEnv.get("GCE_METADATA_HOST");
    assertThat(host).matches("127\\.0\\.0\\.1:[0-9]+");
    assertThat(containerEnv).containsEntry("GCE_METADATA_IP", host);
    JsonNode token = JSON.readTree(agent.probe.resolve("token.json").toFile());
    assertThat(token.path("access_token").asText()).isEqualTo(AgentFixture.DOWNSCOPED_TOKEN);
    assertThat(token.path("token_type").asText()).isEqualTo("Bearer");
    assertThat(token.path("expires_in").asInt()).isBetween(3000, 3599);
    assertThat(
            JSON.readTree(agent.probe.resolve("token-again.json").toFile())
                .path("access_token")
                .asText())
        .isEqualTo(AgentFixture.DOWNSCOPED_TOKEN);

    // One exchange (the second answer came from the cache), of the VM's token, for the boundary.
    List<ServeEvent> exchanges = agent.googleRequests(RequestMethod.POST, AgentFixture.STS_PATH);
    assertThat(exchanges).hasSize(1);
    Map<String, String> form = formParams(exchanges.get(0).getRequest().getBodyAsString());
    assertThat(form)
        .containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
        .containsEntry("subject_token_type", "urn:ietf:params:oauth:token-type:access_token")
        .containsEntry("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")
        .containsEntry("subject_token", TOKEN);
    JsonNode rules = JSON.readTree(form.get("options")).path("accessBoundary");
    assertThat(rules.size()).isEqualTo(1);
    rules = rules.path("accessBoundaryRules");
    assertThat(rules).hasSize(3);
    String objects = "resource.name.startsWith('projects/_/buckets/";
    String list = "api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('";
    assertThat(rules.get(0).path("availableResource").asText())
        .isEqualTo("//storage.googleapis.com/projects/_/buckets/mlcp-datasets");
    assertThat(rules.get(0).path("availablePermissions"))
        .extracting(JsonNode::asText)
        .containsExactly("inRole:roles/storage.objectViewer");
    assertThat(rules.get(0).path("availabilityCondition").path("expression").asText())
        .isEqualTo(
            objects
                + "mlcp-datasets/objects/iris/v2/') || "
                + objects
                + "mlcp-datasets/objects/labels.csv') || "
                + list
                + "iris/v2/') || "
                + list
                + "labels.csv')");
    assertThat(rules.get(1).path("availableResource").asText())
        .isEqualTo("//storage.googleapis.com/projects/_/buckets/mlcp-features");
    assertThat(rules.get(1).path("availablePermissions"))
        .extracting(JsonNode::asText)
        .containsExactly("inRole:roles/storage.objectViewer");
    assertThat(rules.get(1).has("availabilityCondition")).as("the whole bucket").isFalse();
    assertThat(rules.get(2).path("availableResource").asText())
        .isEqualTo("//storage.googleapis.com/projects/_/buckets/" + BUCKET);
    assertThat(rules.get(2).path("availablePermissions"))
        .extracting(JsonNode::asText)
        .containsExactly("inRole:roles/storage.objectCreator", "inRole:roles/storage.objectViewer");
    assertThat(rules.get(2).path("availabilityCondition").path("expression").asText())
        .isEqualTo(
            "!"
                + objects
                + BUCKET
                + "/objects/staging/run-01HX/_mlcp/') && ("
                + objects
                + BUCKET
                + "/objects/staging/run-01HX/') || "
                + list
                + "staging/run-01HX/'))");
    assertThat(form.get("options")).doesNotContain("example.com").doesNotContain("bq://");

    assertThat(result.log())
        .doesNotContain(TOKEN)
        .doesNotContain(AgentFixture.DOWNSCOPED_TOKEN)
        .contains("token server for the container on " + host);
    assertThat(agent.dockerRecordText()).doesNotContain(TOKEN);
    assertThat(agent.containerEnv().values()).noneMatch(v -> v.contains(TOKEN));
  }

  @Test
  void container_metadata_endpoint_refuses_everything_but_the_token_with_the_metadata_header()
      throws Exception {
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer",
            agent
                .trainer(
                    "t.sh",
                    """
                    base="http://$GCE_METADATA_HOST"
                    sa="$base/computeMetadata/v1/instance/service-accounts"
                    code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
                    g='Metadata-Flavor: Google'
                    {
                      echo "no-header $(code "$sa/default/token")"
                      echo "wrong-header $(code -H 'Metadata-Flavor: Other' "$sa/default/token")"
                      echo "forwarded $(code -H "$g" -H 'X-Forwarded-For: 10.0.0.9' "$sa/default/token")"
                      echo "vm-email-token $(code -H "$g" "$sa/vm@mlcp-test.iam.gserviceaccount.com/token")"
                      echo "v1beta1-token $(code -H "$g" "$base/computeMetadata/v1beta1/instance/service-accounts/default/token")"
                      echo "identity $(code -H "$g" "$sa/default/identity?audience=x")"
                      echo "accounts $(code -H "$g" "$sa/default/?recursive=true")"
                      echo "project $(code -H "$g" "$base/computeMetadata/v1/project/project-id")"
                      echo "other-accounts $(code -H "$g" "$sa/?recursive=true")"
                      curl -s -H "$g" "$sa/default/?recursive=true" > "$probe/account.json"
                      echo "attribute $(code -H "$g" "$base/computeMetadata/v1/instance/attributes/mlcp-secrets")"
                      echo "root $(code -H "$g" "$base/")"
                      echo "post-token $(code -X POST -H "$g" "$sa/default/token")"
                      echo "token $(code -H "$g" "$sa/default/token")"
                    } > "$probe/codes"
                    """)
                .toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(Files.readAllLines(agent.probe.resolve("codes")))
        .containsExactly(
            "no-header 403",
            "wrong-header 403",
            "forwarded 403",
            "vm-email-token 404",
            "v1beta1-token 404",
            "identity 404",
            "accounts 200",
            "project 200",
            "other-accounts 404",
            "attribute 404",
            "root 200",
            "post-token 404",
            "token 200");
    assertThat(agent.googleRequests(RequestMethod.POST, AgentFixture.STS_PATH)).hasSize(1);
    // What Google's client libraries read to detect "GCE" and the account, no more.
    assertThat(Files.readString(agent.probe.resolve("account.json")))
        .contains("training-vm@")
        .contains("cloud-platform")
        .doesNotContain("token");
  }

  @Test
  void malformed_inputs_fail_the_run_before_any_container() {
    agent
        .attribute("mlcp-image", "trainer:1")
        .attribute("mlcp-inputs", "[\"gs://mlcp-datasets/it's') || true || ('\"]")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.dockerInvocations()).isEmpty();
    assertThat(onlyCompletion().reason())
        .isEqualTo(
            "mlcp-inputs: \"gs://mlcp-datasets/it's') || true || ('\" is not gs://BUCKET[/PREFIX]"
                + " without quotes, backslashes, wildcards or control characters");
    assertPublishedThenDeleted();
  }

  @Test
  void token_server_that_cannot_start_fails_the_run_and_no_container_starts() {
    agent
        .env("MLCP_TOKEN_SERVER_ADDRESS", "203.0.113.7") // not an address of this machine
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.docker("run")).isEmpty();
    assertThat(onlyCompletion().reason())
        .isEqualTo("token server for the container did not start on 203.0.113.7:0");
    assertPublishedThenDeleted();
  }

  @Test
  void completion_record_lands_in_the_staging_prefix_with_the_published_event() throws Exception {
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer", agent.trainer("t.sh", "echo m > \"$MLCP_OUTPUTS/model.txt\"").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    List<ServeEvent> records = agent.recordUploads();
    assertThat(records).as(result.log()).hasSize(1);
    ServeEvent record = records.get(0);
    assertThat(record.getRequest().getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(record.getRequest().getHeader("Content-Type"))
        .isEqualTo("application/cloudevents+json");
    JsonNode structured = JSON.readTree(record.getRequest().getBodyAsString());
    assertThat(structured.path("specversion").asText()).isEqualTo("1.0");
    assertThat(structured.path("type").asText()).isEqualTo("dev.mlcp.training.completed.v1");
    assertThat(structured.path("source").asText()).isEqualTo("//mlcp/vm-agent/" + INSTANCE);
    assertThat(structured.path("id").asText()).isEqualTo("run-01HX-2-completed");
    assertThat(structured.path("subject").asText()).isEqualTo("run-01HX");
    assertThat(structured.path("datacontenttype").asText()).isEqualTo("application/json");

    ServeEvent publish = agent.googleRequests(RequestMethod.POST, PUBLISH_PATH).get(0);
    JsonNode message =
        JSON.readTree(publish.getRequest().getBodyAsString()).path("messages").get(0);
    JsonNode publishedData =
        JSON.readTree(Base64.getDecoder().decode(message.path("data").asText()));
    assertThat(structured.path("data")).isEqualTo(publishedData);
    assertThat(structured.path("time").asText())
        .isEqualTo(message.path("attributes").path("ce-time").asText());
    EventEnvelope<MlcpEvent> fromRecord = decodeStructured(structured);
    EventEnvelope<MlcpEvent> published = agent.publishedToWireMock().get(0);
    assertThat(fromRecord).isEqualTo(published);
    assertThat(((TrainingCompleted) fromRecord.data()).exitCode()).isZero();

    List<String> order =
        agent.googleRequests().stream()
            .map(e -> e.getRequest().getUrl())
            .filter(u -> u.contains("model.txt") || u.contains("_mlcp") || u.endsWith(":publish"))
            .toList();
    assertThat(order).hasSize(3);
    assertThat(order.get(0)).contains("model.txt");
    assertThat(order.get(1)).contains("_mlcp");
    assertThat(order.get(2)).endsWith(":publish");
  }

  @Test
  void container_files_under_the_reserved_mlcp_prefix_are_not_uploaded() {
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer",
            agent
                .trainer(
                    "t.sh",
                    """
                    mkdir -p "$MLCP_OUTPUTS/_mlcp/attempt-2"
                    echo '{"forged": true}' > "$MLCP_OUTPUTS/_mlcp/attempt-2/completion.json"
                    echo '{"forged": true}' > "$MLCP_OUTPUTS/_mlcp/other.json"
                    echo m > "$MLCP_OUTPUTS/model.txt"
                    """)
                .toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(agent.googleRequests(RequestMethod.POST, AgentFixture.UPLOAD_PATH))
        .extracting(AgentFixture::uploadName)
        .containsExactlyInAnyOrder("staging/run-01HX/model.txt", AgentFixture.RECORD_NAME);
    assertThat(agent.googleRequests())
        .noneSatisfy(r -> assertThat(r.getRequest().getBodyAsString()).contains("forged"));
    assertThat(result.log()).contains("not uploading _mlcp/attempt-2/completion.json");
    assertThat(onlyCompletion().reason()).isNull();
  }

  @Test
  void completion_record_that_cannot_be_written_does_not_stop_the_publish() {
    agent.google.stubFor(
        post(urlPathEqualTo(AgentFixture.UPLOAD_PATH))
            .withQueryParam("name", equalTo(AgentFixture.RECORD_NAME))
            .atPriority(1)
            .willReturn(aResponse().withStatus(503)));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(agent.recordUploads().size()).isGreaterThan(1);
    assertThat(result.log()).contains("completion record not written: Cloud Storage answered 503");
    assertThat(onlyCompletion().reason()).isNull();
    assertPublishedThenDeleted();
    assertThat(result.exitCode()).as(result.log()).isZero();
  }

  @Test
  void output_named_with_curl_glob_braces_uploads_the_containers_file_not_a_host_file()
      throws Exception {
    // Unglobbed, {..}/{..}/{..} is ../../.. to curl -T: from <work>/agent.X/outputs, this dir.
    Files.writeString(dir.resolve("host-secret.txt"), "HOST SECRET\n");
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer",
            agent
                .trainer(
                    "t.sh",
                    """
                    mkdir -p "$MLCP_OUTPUTS/{..}/{..}/{..}"
                    echo "container's own" > "$MLCP_OUTPUTS/{..}/{..}/{..}/host-secret.txt"
                    """)
                .toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    List<ServeEvent> uploads = agent.outputUploads();
    assertThat(uploads)
        .extracting(u -> u.getRequest().queryParameter("name").firstValue())
        .containsExactly("staging/run-01HX/{..}/{..}/{..}/host-secret.txt");
    assertThat(uploads.get(0).getRequest().getBodyAsString()).isEqualTo("container's own\n");
    assertThat(agent.googleRequests())
        .noneSatisfy(r -> assertThat(r.getRequest().getBodyAsString()).contains("HOST SECRET"));
  }

  @Test
  void output_named_with_curl_glob_brackets_is_uploaded() {
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer",
            agent.trainer("t.sh", "echo weights > \"$MLCP_OUTPUTS/model[1].pt\"").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    List<ServeEvent> uploads = agent.outputUploads();
    assertThat(uploads)
        .extracting(u -> u.getRequest().queryParameter("name").firstValue())
        .containsExactly("staging/run-01HX/model[1].pt");
    assertThat(uploads.get(0).getRequest().getBodyAsString()).isEqualTo("weights\n");
    assertThat(onlyCompletion().reason()).isNull();
  }

  @Test
  void shell_metacharacters_reach_the_container_verbatim_and_nothing_is_executed() {
    Path pwned = dir.resolve("pwned");
    List<String> args =
        List.of(
            "$(touch " + pwned + "-1)",
            "; touch " + pwned + "-2",
            "`touch " + pwned + "-3`",
            "it's \"quoted\" \\ back",
            "line one\nline two",
            "$HOME * ?",
            "--entrypoint=/bin/sh",
            "");
    agent
        .attribute("mlcp-image", "trainer:1")
        .attribute("mlcp-command", "[\"run && touch " + pwned + "-4\"]")
        .attribute("mlcp-args", json(args))
        .attribute("mlcp-env", "{\"PROMPT\": \"$(touch " + pwned + "-5); `x` 'q' \\\"dq\\\"\"}")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    List<String> expected = new java.util.ArrayList<>();
    expected.add("run && touch " + pwned + "-4");
    expected.addAll(args);
    assertThat(agent.containerArgv()).containsExactlyElementsOf(expected);
    assertThat(agent.containerEnv())
        .containsEntry("PROMPT", "$(touch " + pwned + "-5); `x` 'q' \"dq\"");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("pwned"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void secret_value_never_appears_in_the_agent_log_docker_argv_or_event() {
    agent
        .attribute("mlcp-image", "trainer:1")
        .attribute("mlcp-secrets", "{\"API_TOKEN\": \"projects/" + PROJECT + "/secrets/api\"}")
        .secret("api", SECRET_VALUE)
        .mapImage("trainer", agent.trainer("t.sh", "exit 4").toString());

    AgentResult result = agent.run();

    assertThat(agent.containerEnv()).containsEntry("API_TOKEN", SECRET_VALUE);
    assertThat(result.log()).doesNotContain(SECRET_VALUE).doesNotContain(TOKEN);
    assertThat(agent.dockerRecordText()).doesNotContain(SECRET_VALUE);
    assertThat(agent.googleRequests(RequestMethod.POST, PUBLISH_PATH))
        .allSatisfy(p -> assertThat(p.getRequest().getBodyAsString()).doesNotContain(SECRET_VALUE));
    assertThat(onlyCompletion().exitCode()).isEqualTo(4);
  }

  @Test
  void malformed_args_are_published_as_the_reason_and_the_instance_deletes_itself() {
    agent.attribute("mlcp-image", "trainer:1").attribute("mlcp-args", "{\"not\": \"an array\"}");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.dockerInvocations()).isEmpty();
    assertThat(onlyCompletion().reason()).isEqualTo("mlcp-args must be a JSON array of strings");
    assertPublishedThenDeleted();
  }

  @Test
  void missing_run_id_cannot_be_published_but_the_instance_still_deletes_itself() {
    agent.withoutAttribute("mlcp-run-id").attribute("mlcp-image", "trainer:1");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.googleRequests(RequestMethod.POST, PUBLISH_PATH)).isEmpty();
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH)).hasSize(1);
    assertThat(result.log()).contains("metadata attribute mlcp-run-id is missing");
  }

  @Test
  void secret_with_a_newline_is_refused_without_revealing_it() {
    agent
        .attribute("mlcp-image", "trainer:1")
        .attribute("mlcp-secrets", "[\"pem-key\"]")
        .secret("pem-key", "-----BEGIN KEY-----\n" + SECRET_VALUE + "\n");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.dockerInvocations()).isEmpty();
    assertThat(onlyCompletion().reason())
        .isEqualTo(
            "secret for PEM_KEY: the value of PEM_KEY contains a newline or NUL, which an env"
                + " file cannot carry");
    assertThat(result.log()).doesNotContain(SECRET_VALUE);
    assertPublishedThenDeleted();
  }

  @Test
  void sigterm_while_the_container_runs_stops_it_publishes_and_deletes() throws Exception {
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage(
            "trainer",
            agent
                .trainer(
                    "t.sh",
                    """
                    trap 'touch "$probe/terminated"; exit 143' TERM
                    touch "$probe/ready"
                    sleep 60 &
                    wait
                    """)
                .toString());

    AgentResult result =
        agent.run(
            process -> {
              while (!agent.probeExists("ready") && process.isAlive()) {
                Thread.sleep(50);
              }
              process.destroy();
            });

    assertThat(result.exitCode()).isEqualTo(1);
    TrainingCompleted completed = onlyCompletion();
    assertThat(completed.reason()).isEqualTo("agent stopped by SIGTERM while running container");
    assertThat(completed.exitCode()).isEqualTo(-1);
    assertPublishedThenDeleted();
    for (int i = 0; i < 200 && !agent.probeExists("terminated"); i++) {
      Thread.sleep(50);
    }
    assertThat(agent.probeExists("terminated")).as("the container got SIGTERM").isTrue();
  }

  @Test
  void sigterm_during_the_grace_period_ends_the_agent_without_a_self_delete() {
    agent
        .env("MLCP_DELETE_GRACE_SECONDS", "60")
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "exit 0").toString());

    AgentResult result =
        agent.run(
            process -> {
              while (!agent.log().contains("before deleting") && process.isAlive()) {
                Thread.sleep(50);
              }
              process.destroy();
            });

    assertThat(result.log()).contains("stopped during the grace period");
    assertThat(onlyCompletion().reason()).isNull();
    assertThat(agent.googleRequests(RequestMethod.GET, INSTANCE_PATH)).isEmpty();
    assertThat(agent.googleRequests(RequestMethod.DELETE, INSTANCE_PATH)).isEmpty();
    assertThat(agent.work).isEmptyDirectory();
  }

  @Test
  void preempted_vm_reports_preemption() {
    agent.metadata.stubFor(
        get(urlPathEqualTo("/computeMetadata/v1/instance/preempted"))
            .willReturn(aResponse().withBody("TRUE")));
    agent
        .attribute("mlcp-image", "trainer:1")
        .mapImage("trainer", agent.trainer("t.sh", "sleep 60").toString());

    agent.run(
        process -> {
          while (!agent.containerStarted() && process.isAlive()) {
            Thread.sleep(50);
          }
          process.destroy();
        });

    assertThat(onlyCompletion().reason()).isEqualTo("preempted");
  }

  /** A structured-mode CloudEvent decoded by the binary-mode codec: attributes become ce-*. */
  private static EventEnvelope<MlcpEvent> decodeStructured(JsonNode structured) throws Exception {
    Map<String, String> attributes = new java.util.HashMap<>();
    structured
        .properties()
        .forEach(
            f -> {
              if (f.getKey().equals("datacontenttype")) {
                attributes.put(CloudEventCodec.CONTENT_TYPE, f.getValue().asText());
              } else if (!f.getKey().equals("data")) {
                attributes.put("ce-" + f.getKey(), f.getValue().asText());
              }
            });
    return new CloudEventCodec()
        .decode(attributes, JSON.writeValueAsBytes(structured.path("data")));
  }

  private TrainingCompleted onlyCompletion() {
    List<EventEnvelope<MlcpEvent>> events = agent.publishedToWireMock();
    assertThat(events).as(agent.log()).hasSize(1);
    EventEnvelope<MlcpEvent> event = events.get(0);
    assertThat(event.id()).isEqualTo("run-01HX-2-completed");
    return (TrainingCompleted) event.data();
  }

  /** The completion went out before the instance was looked up and deleted. */
  private void assertPublishedThenDeleted() {
    List<String> calls =
        agent.googleRequests().stream()
            .map(e -> e.getRequest().getMethod() + " " + e.getRequest().getUrl().split("\\?")[0])
            .filter(c -> c.endsWith(":publish") || c.endsWith(INSTANCE_PATH))
            .toList();
    assertThat(calls)
        .as(agent.log())
        .containsExactly("POST " + PUBLISH_PATH, "GET " + INSTANCE_PATH, "DELETE " + INSTANCE_PATH);
  }

  /** Points the agent at the emulator on a fresh topic; returns a subscription to it. */
  private String publishToEmulator() {
    int n = TOPICS.incrementAndGet();
    String topic = "training-completed-" + n;
    pubsub.createTopic(topic);
    pubsub.createPullSubscription("agent-test-" + n, topic);
    agent.attribute("mlcp-topic", pubsub.topicPath(topic));
    agent.env("MLCP_PUBSUB_API", "http://" + emulator.hostPort() + "/v1");
    return "agent-test-" + n;
  }

  private String agentTopic() {
    return pubsub.topicPath("training-completed-" + TOPICS.get());
  }

  private static Map<String, String> formParams(String body) {
    Map<String, String> params = new java.util.HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      params.put(
          java.net.URLDecoder.decode(
              pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(
              pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
    }
    return params;
  }

  private static String json(List<String> values) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(values);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
