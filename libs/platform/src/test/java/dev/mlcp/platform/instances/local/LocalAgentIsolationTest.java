package dev.mlcp.platform.instances.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What keeps local "VMs" apart: the environment their agents get (the fake iptables), and the
 * per-instance token the local metadata server hands out and the local Google APIs check.
 */
class LocalAgentIsolationTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent().getParent();
  static final Path FAKE_DOCKER = REPO.resolve("infra/vm/testing/fake-docker");

  @TempDir Path state;
  private LocalProcessInstances instances;
  private LocalDirectoryObjectStore store;
  private LocalFileSecrets secrets;

  @BeforeEach
  void setUp() throws Exception {
    // A stand-in agent: writes the environment the tests look at, then waits to be deleted.
    Path agent = state.resolve("agent.sh");
    Files.writeString(
        agent,
        "#!/bin/bash\n"
            + "printf '%s\\n' \"${MLCP_IPTABLES:-}\" \"${MLCP_FAKE_IPTABLES_STATE:-}\""
            + " \"${MLCP_TOKEN_SERVER_PORT:-}\" > agent-env.txt\n"
            + "exec sleep 60\n");
    store = new LocalDirectoryObjectStore(state.resolve("objects"));
    secrets = new LocalFileSecrets(state.resolve("secrets"), Clock.systemUTC());
    instances =
        new LocalProcessInstances(
            state.resolve("state"),
            List.of("bash", agent.toString()),
            "local-proj",
            Clock.systemUTC(),
            new LocalProcessInstances.AgentSupport(
                store,
                secrets,
                new JsonLinesLogs(state.resolve("logs")),
                Map.of("MLCP_DOCKER", FAKE_DOCKER.toString())));
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

  static InstanceSpec spec(String name, String runId) {
    return new InstanceSpec(
        name,
        List.of("local-a"),
        "e2-standard-2",
        List.of(),
        new BootDisk("local", 10, null),
        false,
        Map.of("mlcp-run", runId),
        Map.of(
            "mlcp-run-id",
            runId,
            "mlcp-output-uri",
            "gs://mlcp-local/staging/" + runId + "/",
            "mlcp-secrets",
            "[\"" + runId + "-key\"]"),
        null,
        Duration.ofMinutes(5),
        false);
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
