package dev.mlcp.platform.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.instances.local.LocalProcessInstances;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalProcessInstancesTest extends InstancesContract {

  @TempDir Path state;
  private final List<LocalProcessInstances> opened = new ArrayList<>();
  private LocalProcessInstances instances;
  private Path agent;

  @BeforeEach
  void setUp() throws Exception {
    // A stand-in agent: reads its run id from the metadata server like the real one, then waits.
    agent = state.resolve("agent.sh");
    Files.writeString(
        agent,
        "#!/bin/bash\n"
            + "curl -sf -H 'Metadata-Flavor: Google' \"$MLCP_METADATA_URL/instance/attributes/mlcp-run-id\" > run-id.txt\n"
            + "echo \"agent for $MLCP_INSTANCE_NAME started\"\n"
            + "if [ -f \"$MLCP_INSTANCE_NAME.exit\" ]; then exit 0; fi\n"
            + "exec sleep ${AGENT_SLEEP:-60}\n");
    instances = open();
  }

  private LocalProcessInstances open() {
    LocalProcessInstances adapter =
        new LocalProcessInstances(
            state.resolve("state"),
            List.of("bash", agent.toString()),
            "local-proj",
            Clock.systemUTC());
    opened.add(adapter);
    return adapter;
  }

  @AfterEach
  void tearDown() {
    instances.listAll(InstanceFilter.all()).forEach(i -> instances.delete(i.zone(), i.name()));
    opened.forEach(LocalProcessInstances::close);
  }

  @Override
  protected Instances instances() {
    return instances;
  }

  @Override
  protected void writeGuestAttribute(String name, String namespace, String key, String value)
      throws Exception {
    HttpResponse<String> response = putGuestAttribute(name, namespace, key, value, token(name));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private String token(String name) throws Exception {
    return Files.readString(state.resolve("state/instances").resolve(name).resolve("agent.token"));
  }

  private HttpResponse<String> putGuestAttribute(
      String name, String namespace, String key, String value, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create(
                    instances.metadataUrl(name)
                        + "/instance/guest-attributes/"
                        + namespace
                        + "/"
                        + key))
            .header("Metadata-Flavor", "Google")
            .PUT(HttpRequest.BodyPublishers.ofString(value));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void a_process_of_the_vm_still_writing_into_its_directory_does_not_fail_the_delete()
      throws Exception {
    // A writer that escaped the agent's process tree (double fork) keeps creating files in the
    // instance's directory while the delete walks it, as a VM's ending processes can.
    Path writerPid = state.resolve("writer.pid");
    Files.writeString(
        agent,
        "#!/bin/bash\n"
            + "( ( echo $BASHPID > \"$(dirname \"$0\")/writer.pid\"; "
            + "while :; do : > \"w-$RANDOM\"; done ) & )\n"
            + "exec sleep 60\n");
    instances.create(spec("run-writer", Map.of("mlcp-run", "run-writer")));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(Files.exists(writerPid) && Files.size(writerPid) > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long pid = Long.parseLong(Files.readString(writerPid).trim());
    try {
      assertThat(instances.delete(zone(), "run-writer")).isTrue();
      assertThat(instances.get(zone(), "run-writer")).isEmpty();
      assertThat(instances.listAll(InstanceFilter.all())).isEmpty();
      assertThat(instances.delete(zone(), "run-writer")).isFalse();
    } finally {
      ProcessHandle.of(pid)
          .ifPresent(
              writer -> {
                writer.destroyForcibly();
                writer.onExit().join();
              });
    }
  }

  @Test
  void a_guest_attribute_is_written_only_with_the_instances_own_token() throws Exception {
    instances.create(notebookSpec("nb-own"));
    instances.create(notebookSpec("nb-other"));

    assertThat(putGuestAttribute("nb-own", "mlcp", "heartbeat", "x", null).statusCode())
        .isEqualTo(401);
    assertThat(
            putGuestAttribute("nb-own", "mlcp", "heartbeat", "x", token("nb-other")).statusCode())
        .isEqualTo(401);
    assertThat(instances.guestAttributes(zone(), "nb-own", "mlcp")).isEmpty();
    assertThat(putGuestAttribute("nb-own", "mlcp", "heartbeat", "x", token("nb-own")).statusCode())
        .isEqualTo(200);
    assertThat(instances.guestAttributes(zone(), "nb-own", "mlcp")).containsEntry("heartbeat", "x");
  }

  @Test
  void a_heartbeat_in_flight_while_the_instance_is_deleted_does_not_bring_it_back()
      throws Exception {
    instances.create(notebookSpec("nb-late"));
    URI url =
        URI.create(instances.metadataUrl("nb-late") + "/instance/guest-attributes/mlcp/heartbeat");
    byte[] body = "{\"late\":true}".getBytes(StandardCharsets.UTF_8);

    // The server resolves the instance and checks the token on the headers, then reads the body:
    // the delete lands in between, as when an agent being killed was mid-heartbeat.
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PUT "
                  + url.getRawPath()
                  + " HTTP/1.1\r\nHost: "
                  + url.getAuthority()
                  + "\r\nMetadata-Flavor: Google\r\nAuthorization: Bearer "
                  + token("nb-late")
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(300);
      assertThat(instances.delete(zone(), "nb-late")).isTrue();
      out.write(body);
      out.flush();
      socket.getInputStream().read(); // the answer: the server is done with the request
    }

    assertThat(state.resolve("state/instances/nb-late")).doesNotExist();
    assertThat(instances.get(zone(), "nb-late")).isEmpty();
  }

  @Test
  void guest_attributes_are_refused_unless_the_instance_enables_them() throws Exception {
    instances.create(spec("run-noguest", Map.of()));

    HttpResponse<String> response =
        putGuestAttribute("run-noguest", "mlcp", "heartbeat", "x", token("run-noguest"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("enable-guest-attributes");
  }

  @Test
  void a_stopped_instance_outlives_its_max_run_duration_and_start_sets_a_new_one()
      throws Exception {
    InstanceSpec base = notebookSpec("nb-limit");
    InstanceSpec shortRun =
        new InstanceSpec(
            base.name(),
            base.zones(),
            base.machineType(),
            base.accelerators(),
            base.bootDisk(),
            base.spot(),
            base.labels(),
            base.metadata(),
            base.serviceAccount(),
            Duration.ofMillis(800),
            false);
    instances.create(shortRun);
    instances.stop(zone(), "nb-limit");

    Thread.sleep(1_500);
    assertThat(instances.get(zone(), "nb-limit"))
        .get()
        .extracting(Instance::status)
        .isEqualTo(InstanceStatus.TERMINATED);

    instances.start(zone(), "nb-limit", Duration.ofMillis(300));
    await(() -> instances.get(zone(), "nb-limit").isEmpty());
  }

  @Test
  void start_runs_the_agent_again_with_a_fresh_token() throws Exception {
    instances.create(notebookSpec("nb-again"));
    String first = token("nb-again");
    instances.stop(zone(), "nb-again");

    instances.start(zone(), "nb-again", null);

    assertThat(token("nb-again")).isNotEqualTo(first);
    await(() -> instances.get(zone(), "nb-again").orElseThrow().status() == InstanceStatus.RUNNING);
  }

  @Test
  void agent_reads_its_metadata_from_the_local_metadata_server() throws Exception {
    instances.create(spec("run-meta", Map.of("mlcp-run", "run-meta")));
    Path runIdFile = state.resolve("state/instances/run-meta/run-id.txt");

    await(() -> Files.exists(runIdFile) && readQuietly(runIdFile).equals("run-meta"));
    // The script writes run-id.txt before it echoes: wait for the line rather than racing it.
    await(
        () -> readQuietly(instances.consoleLog("run-meta")).contains("agent for run-meta started"));
    assertThat(Files.readString(instances.consoleLog("run-meta")))
        .contains("agent for run-meta started");
  }

  @Test
  void metadata_server_requires_the_metadata_flavor_header() throws Exception {
    instances.create(spec("run-hdr", Map.of()));
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create(instances.metadataUrl("run-hdr") + "/instance/name");

    HttpResponse<String> without =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> with =
        http.send(
            HttpRequest.newBuilder(uri).header("Metadata-Flavor", "Google").build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(without.statusCode()).isEqualTo(403);
    assertThat(with.statusCode()).isEqualTo(200);
    assertThat(with.body()).isEqualTo("run-hdr");
    assertThat(with.headers().firstValue("Metadata-Flavor")).contains("Google");
  }

  @Test
  void instance_is_terminated_once_its_agent_exits() throws Exception {
    Files.createDirectories(state.resolve("state/instances/run-exit"));
    Files.writeString(state.resolve("state/instances/run-exit/run-exit.exit"), "");

    instances.create(spec("run-exit", Map.of()));

    await(
        () ->
            instances.get(zone(), "run-exit").orElseThrow().status() == InstanceStatus.TERMINATED);
  }

  @Test
  void delete_kills_the_agent_process() throws Exception {
    instances.create(spec("run-kill", Map.of()));
    long pid =
        Long.parseLong(
            Files.readString(state.resolve("state/instances/run-kill/instance.json"))
                .replaceAll("(?s).*\"pid\":(\\d+).*", "$1"));

    assertThat(instances.delete(zone(), "run-kill")).isTrue();

    await(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void instances_survive_a_restart_of_the_adapter() {
    instances.create(spec("run-keep", Map.of("mlcp-run", "run-keep")));
    instances.close();

    instances = open();

    assertThat(instances.get(zone(), "run-keep"))
        .get()
        .extracting(Instance::status)
        .isEqualTo(InstanceStatus.RUNNING);
  }

  @Test
  void max_run_duration_deletes_the_instance() throws Exception {
    InstanceSpec base = spec("run-short", Map.of());
    InstanceSpec shortRun =
        new InstanceSpec(
            base.name(),
            base.zones(),
            base.machineType(),
            base.accelerators(),
            base.bootDisk(),
            base.spot(),
            base.labels(),
            base.metadata(),
            base.serviceAccount(),
            Duration.ofMillis(300),
            false);

    instances.create(shortRun);

    await(() -> instances.get(zone(), "run-short").isEmpty());
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p).trim();
    } catch (Exception e) {
      return "";
    }
  }
}
