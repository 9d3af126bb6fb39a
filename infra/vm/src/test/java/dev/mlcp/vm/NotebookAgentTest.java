package dev.mlcp.vm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.mlcp.vm.AgentFixture.AgentResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in notebook mode ({@code mlcp-mode=notebook}) samples JupyterLab's API (recorded
 * responses served by WireMock on the notebook port), SSH sessions and GPU utilisation, and writes
 * the heartbeat to its guest attribute {@code mlcp/heartbeat}: a busy kernel is activity now, an
 * idle kernel only says when it last ran, a terminal's last use counts, nothing open is no activity
 * at all.
 */
class NotebookAgentTest {
  private static final String HEARTBEAT_PATH =
      "/computeMetadata/v1/instance/guest-attributes/mlcp/heartbeat";
  private static final Path FAKE_JUPYTER =
      Path.of("").toAbsolutePath().resolve("testing/fake-jupyter");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private AgentFixture agent;
  private final WireMockServer jupyter = new WireMockServer(options().dynamicPort());

  @BeforeEach
  void setUp() {
    agent = new AgentFixture(dir);
    jupyter.start();
    agent
        .attribute("mlcp-mode", "notebook")
        .attribute("mlcp-experiment", "ana-churn")
        .attribute("mlcp-jupyter-port", Integer.toString(jupyter.port()))
        .attribute("mlcp-heartbeat-seconds", "0.2")
        .env("MLCP_WHO", script("who", "exit 0"))
        .env("MLCP_NVIDIA_SMI", script("nvidia-smi", "exit 127"));
    agent.metadata.stubFor(
        put(urlPathEqualTo(HEARTBEAT_PATH))
            .withHeader("Metadata-Flavor", equalTo("Google"))
            .willReturn(aResponse().withStatus(200)));
  }

  @AfterEach
  void tearDown() {
    agent.close();
    jupyter.stop();
  }

  /** Serves the recorded responses of {@code jupyter/<recording>/}. */
  private void recorded(String recording) {
    for (String api : List.of("status", "kernels", "terminals")) {
      jupyter.stubFor(
          get(urlPathEqualTo("/api/" + api))
              .withQueryParam("no_track_activity", equalTo("1"))
              .willReturn(okJson(resource("jupyter/" + recording + "/" + api + ".json"))));
    }
  }

  /** Runs the agent until it wrote {@code beats} heartbeats, then stops it (SIGTERM). */
  private List<JsonNode> heartbeats(int beats) {
    AgentResult result =
        agent.run(
            process -> {
              long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              while (heartbeatRequests().size() < beats && System.nanoTime() < deadline) {
                Thread.sleep(50);
              }
              process.destroy();
            });
    assertThat(result.exitCode()).as(result.log()).isZero();
    List<JsonNode> out = new ArrayList<>();
    for (ServeEvent put : heartbeatRequests()) {
      try {
        out.add(JSON.readTree(put.getRequest().getBodyAsString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(out).as(result.log()).hasSizeGreaterThanOrEqualTo(beats);
    return out;
  }

  private List<ServeEvent> heartbeatRequests() {
    List<ServeEvent> events = new ArrayList<>();
    for (ServeEvent e : agent.metadata.getAllServeEvents()) {
      if (e.getRequest().getMethod().equals(RequestMethod.PUT)
          && e.getRequest().getUrl().equals(HEARTBEAT_PATH)) {
        events.add(e);
      }
    }
    events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
    return events;
  }

  @Test
  void a_busy_kernel_is_activity_now() {
    recorded("busy-kernel");
    Instant before = Instant.now().minusSeconds(1);

    JsonNode beat = heartbeats(1).get(0);

    assertThat(beat.path("jupyter").asText()).isEqualTo("up");
    assertThat(beat.path("kernels").asInt()).isEqualTo(1);
    assertThat(beat.path("busyKernels").asInt()).isEqualTo(1);
    assertThat(beat.path("activeNow")).extracting(JsonNode::asText).containsExactly("kernel");
    assertThat(Instant.parse(beat.path("lastActivity").asText())).isAfter(before);
    assertThat(beat.path("server").asText()).isEqualTo("existing");
    assertThat(beat.path("port").asInt()).isEqualTo(jupyter.port());
  }

  @Test
  void an_open_idle_kernel_is_not_activity_only_its_last_run_is() {
    recorded("idle-kernel");

    JsonNode beat = heartbeats(1).get(0);

    assertThat(beat.path("kernels").asInt()).isEqualTo(1);
    assertThat(beat.path("busyKernels").asInt()).isZero();
    assertThat(beat.path("connections").asInt()).isEqualTo(1);
    assertThat(beat.path("activeNow")).isEmpty();
    // The kernel last ran at 08:30; the server's newer last_activity (a browser tab) is no use.
    assertThat(beat.path("lastActivity").asText()).isEqualTo("2026-05-04T08:30:00.000Z");
  }

  @Test
  void a_terminals_last_use_is_activity() {
    recorded("terminal");

    JsonNode beat = heartbeats(1).get(0);

    assertThat(beat.path("terminals").asInt()).isEqualTo(1);
    assertThat(beat.path("kernels").asInt()).isZero();
    assertThat(beat.path("lastActivity").asText()).isEqualTo("2026-05-04T09:45:00.000Z");
  }

  @Test
  void nothing_open_is_no_activity_at_all() {
    recorded("none");

    JsonNode beat = heartbeats(2).get(1);

    assertThat(beat.path("jupyter").asText()).isEqualTo("up");
    assertThat(beat.path("lastActivity").isNull()).isTrue();
    assertThat(beat.path("activeNow")).isEmpty();
    assertThat(beat.path("sshSessions").asInt()).isZero();
    assertThat(beat.path("gpuUtilization").isNull()).isTrue();
  }

  @Test
  void no_jupyter_is_reported_down_and_ssh_and_gpu_still_count() {
    jupyter.stop();
    agent
        .env(
            "MLCP_WHO",
            script(
                "who-ssh",
                "cat <<'W'\n"
                    + "ana      pts/0        2026-05-04 10:00   .          4242 (10.128.0.7)\n"
                    + "root     tty1         2026-05-04 08:00 old           901\n"
                    + "W"))
        .env("MLCP_NVIDIA_SMI", script("smi", "printf '3\\n85\\n'"));
    Instant before = Instant.now().minusSeconds(1);

    JsonNode beat = heartbeats(1).get(0);

    assertThat(beat.path("jupyter").asText()).isEqualTo("down");
    assertThat(beat.path("server").asText()).isEqualTo("none");
    assertThat(beat.path("sshSessions").asInt()).isEqualTo(1);
    assertThat(beat.path("gpuUtilization").asInt()).isEqualTo(85);
    assertThat(beat.path("activeNow")).extracting(JsonNode::asText).containsExactly("ssh", "gpu");
    assertThat(Instant.parse(beat.path("lastActivity").asText())).isAfter(before);
  }

  @Test
  void an_earlier_activity_is_kept_when_the_kernel_goes_idle() {
    recorded("busy-kernel");
    AgentResult result =
        agent.run(
            process -> {
              long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              while (heartbeatRequests().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
              }
              jupyter.resetAll();
              recorded("none");
              int seen = heartbeatRequests().size();
              while (heartbeatRequests().size() < seen + 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
              }
              process.destroy();
            });
    assertThat(result.exitCode()).as(result.log()).isZero();
    List<ServeEvent> puts = heartbeatRequests();
    JsonNode first = read(puts.get(0));
    JsonNode last = read(puts.get(puts.size() - 1));

    assertThat(last.path("busyKernels").asInt()).isZero();
    assertThat(last.path("lastActivity").asText()).isEqualTo(first.path("lastActivity").asText());
  }

  @Test
  void the_heartbeat_carries_the_instance_token_and_jupyter_calls_do_not_count_as_activity() {
    recorded("none");

    heartbeats(1);

    assertThat(heartbeatRequests().get(0).getRequest().getHeader("Authorization"))
        .isEqualTo("Bearer " + AgentFixture.TOKEN);
    assertThat(jupyter.getAllServeEvents())
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getRequest().getUrl()).endsWith("?no_track_activity=1"));
    assertThat(agent.log()).doesNotContain(AgentFixture.TOKEN);
  }

  @Test
  void without_a_server_the_image_maps_fallback_is_started_on_a_free_port() {
    jupyter.stop();
    agent
        .attribute("mlcp-jupyter-port", "0")
        .attribute(
            "mlcp-image-family",
            "projects/deeplearning-platform-release/global/images/family/common-cpu")
        .mapImage("projects/deeplearning-platform-release/", "python3 " + FAKE_JUPYTER);

    JsonNode beat = heartbeats(2).get(1);

    assertThat(beat.path("server").asText()).isEqualTo("fallback");
    assertThat(beat.path("jupyter").asText()).isEqualTo("up");
    // mlcp-jupyter-port=0 asks for a free port instead of JupyterLab's default.
    assertThat(beat.path("port").asInt()).isPositive().isNotEqualTo(8080);
    assertThat(beat.path("kernels").asInt()).isZero();
  }

  @Test
  void a_vm_without_the_mode_attribute_runs_the_training_agent() {
    agent.withoutAttribute("mlcp-mode");

    AgentResult result = agent.run();

    assertThat(result.log())
        .contains("metadata attribute mlcp-image is missing")
        .doesNotContain("notebook");
    assertThat(heartbeatRequests()).isEmpty();
  }

  private static JsonNode read(ServeEvent event) {
    try {
      return JSON.readTree(event.getRequest().getBodyAsString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String script(String name, String body) {
    Path file = dir.resolve(name);
    try {
      Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file.toString();
  }

  private static String resource(String name) {
    try (InputStream in = NotebookAgentTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
