package dev.mlcp.vm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One agent run on this machine: a WireMock metadata server, a WireMock standing in for Compute,
 * Cloud Storage, Secret Manager and (unless a test points it elsewhere) Pub/Sub, the fake docker
 * with an image map, and {@code bash mlcp-agent.sh} as a child process.
 */
final class AgentFixture implements AutoCloseable {
  static final String PROJECT = "mlcp-test";
  static final String ZONE = "us-central1-a";
  static final String INSTANCE = "mlcp-run-01hx-a2";
  static final String TOKEN = "ya29.test-token-7f3a9c";

  /** What the WireMock STS gives for the VM's token: the container's downscoped token. */
  static final String DOWNSCOPED_TOKEN = "ya29.downscoped-c0ffee42";

  static final String STS_PATH = "/sts/v1/token";
  static final String BUCKET = "mlcp-artifacts";
  static final String TOPIC = "projects/" + PROJECT + "/topics/training-completed";
  static final String INSTANCE_PATH =
      "/compute/v1/projects/" + PROJECT + "/zones/" + ZONE + "/instances/" + INSTANCE;
  static final String PUBLISH_PATH = "/v1/" + TOPIC + ":publish";
  static final String UPLOAD_PATH = "/upload/storage/v1/b/" + BUCKET + "/o";

  /** The object name of the completion record of the default run (run-01HX, attempt 2). */
  static final String RECORD_NAME = "staging/run-01HX/_mlcp/attempt-2/completion.json";

  private static final Path MODULE = Path.of("").toAbsolutePath();
  static final Path SCRIPT = MODULE.resolve("mlcp-agent.sh");
  static final Path FAKE_DOCKER = MODULE.resolve("testing/fake-docker");
  static final Path FAKE_IPTABLES = MODULE.resolve("testing/fake-iptables");

  /** The rule the agent must put first in DOCKER-USER, as {@code iptables -S} lists it. */
  static final String METADATA_DROP = "-A DOCKER-USER -d 169.254.169.254/32 -j DROP";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The interpreter {@code python3} resolves to (what the agent's resolve_python finds). */
  static final Path PYTHON = python();

  final WireMockServer metadata = new WireMockServer(options().dynamicPort());
  final WireMockServer google = new WireMockServer(options().dynamicPort());
  final Path dir;
  final Path probe;
  final Path work;
  final Path secretsDir;
  final Path record;
  final Path agentLog;

  /** The fake iptables' rules ({@code iptables -S} lines). */
  final Path iptablesRules;

  private final Path imageMap;
  private final Map<String, String> attributes = new LinkedHashMap<>();
  private final Map<String, String> env = new HashMap<>();
  private final StringBuilder imageMapText = new StringBuilder("# image-prefix = command\n");

  AgentFixture(Path dir) {
    this.dir = dir;
    this.probe = mkdirs(dir.resolve("probe"));
    this.work = mkdirs(dir.resolve("work"));
    this.secretsDir = mkdirs(dir.resolve("shm"));
    this.record = dir.resolve("docker-record");
    this.agentLog = dir.resolve("agent.log");
    this.iptablesRules = dir.resolve("iptables.rules");
    this.imageMap = dir.resolve("image-map");
    metadata.start();
    google.start();
    stubStandardMetadata();
    stubGoogleApis();
    // The interpreter first on PATH: a pyenv-style shim costs ~1 s of CPU per python3 the agent,
    // the fake docker or a trainer runs (the agent resolves it too, once; trainers do not).
    env.put("PATH", PYTHON.getParent() + ":" + System.getenv("PATH"));
    env.put("MLCP_METADATA_URL", metadata.baseUrl() + "/computeMetadata/v1");
    env.put("MLCP_COMPUTE_API", google.baseUrl() + "/compute/v1");
    env.put("MLCP_STORAGE_API", google.baseUrl());
    env.put("MLCP_SECRETS_API", google.baseUrl() + "/v1");
    env.put("MLCP_PUBSUB_API", google.baseUrl() + "/v1");
    env.put("MLCP_STS_API", google.baseUrl() + "/sts/v1");
    env.put("MLCP_TOKEN_SERVER_PORT", "0");
    env.put("MLCP_DELETE_GRACE_SECONDS", "0.1");
    env.put("MLCP_WORK_DIR", work.toString());
    env.put("MLCP_SECRETS_DIR", secretsDir.toString());
    env.put("MLCP_DOCKER", FAKE_DOCKER.toString());
    env.put("MLCP_IMAGE_MAP", imageMap.toString());
    env.put("MLCP_IPTABLES", FAKE_IPTABLES.toString());
    env.put("MLCP_FAKE_IPTABLES_STATE", iptablesRules.toString());
    env.put("MLCP_CGROUP_ROOT", mkdirs(dir.resolve("cgroup")).toString());
    env.put("MLCP_FAKE_DOCKER_RECORD", record.toString());
    env.put("MLCP_SAMPLE_SECONDS", "0.1");
    env.put("MLCP_RETRY_INITIAL_SECONDS", "0.05");
    env.put("MLCP_RETRY_MAX_SECONDS", "0.2");
    env.put("MLCP_HTTP_TIMEOUT_SECONDS", "10");
    env.put("MLCP_PUBLISH_TIMEOUT_SECONDS", "10");
    env.put("MLCP_DELETE_TIMEOUT_SECONDS", "10");
    attribute("mlcp-run-id", "run-01HX");
    attribute("mlcp-attempt", "2");
    attribute("mlcp-output-uri", "gs://" + BUCKET + "/staging/run-01HX/");
    attribute("mlcp-topic", TOPIC);
  }

  private static Path python() {
    try {
      Process p =
          new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0 || !Path.of(out).isAbsolute()) {
        throw new IllegalStateException("python3 is needed by the agent tests: " + out);
      }
      return Path.of(out);
    } catch (IOException e) {
      throw new UncheckedIOException("python3 is needed by the agent tests", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sets instance attribute {@code key} (a string served verbatim by the metadata server). */
  AgentFixture attribute(String key, String value) {
    attributes.put(key, value);
    return this;
  }

  /** Removes instance attribute {@code key}: the metadata server answers 404. */
  AgentFixture withoutAttribute(String key) {
    attributes.remove(key);
    return this;
  }

  /** Overrides one variable of the agent's environment. */
  AgentFixture env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** Maps images starting with {@code prefix} to {@code command} in the fake docker. */
  AgentFixture mapImage(String prefix, String command) {
    imageMapText.append(prefix).append(" = ").append(command).append('\n');
    return this;
  }

  /**
   * A "container" for the fake docker: a bash script that records its argv (NUL-separated) and
   * environment in the probe directory, then runs {@code body}.
   */
  Path trainer(String name, String body) {
    Path script = dir.resolve(name);
    String text =
        "#!/usr/bin/env bash\n"
            + "set -eu\n"
            + "probe='"
            + probe
            + "'\n"
            + "printf '%s\\0' \"$@\" > \"$probe/argv\"\n"
            + "env -0 > \"$probe/env\"\n"
            + "touch \"$probe/started\"\n"
            + body
            + "\n";
    try {
      Files.writeString(script, text);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return script;
  }

  /** Serves secret {@code secretId} (latest version) with {@code value}. */
  AgentFixture secret(String secretId, String value) {
    String data = Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    google.stubFor(
        get(urlPathEqualTo(
                "/v1/projects/" + PROJECT + "/secrets/" + secretId + "/versions/latest:access"))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(
                okJson(
                    "{\"name\":\"projects/123/secrets/"
                        + secretId
                        + "/versions/1\",\"payload\":{\"data\":\""
                        + data
                        + "\"}}")));
    return this;
  }

  /** Runs the agent to its end and returns what it did. */
  AgentResult run() {
    return run(null);
  }

  /** Runs the agent; {@code whileRunning}, when given, is called with the live process. */
  AgentResult run(ProcessAction whileRunning) {
    stubAttributes();
    try {
      Files.writeString(imageMap, imageMapText);
      ProcessBuilder builder =
          new ProcessBuilder("bash", SCRIPT.toString())
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(agentLog.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("MLCP_"));
      builder.environment().putAll(env);
      Process process = builder.start();
      List<ProcessHandle> children = List.of();
      if (whileRunning != null) {
        whileRunning.accept(process);
        // A signalled agent leaves its container behind, as on a VM that is going away.
        children = process.descendants().toList();
      }
      try {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          throw new AssertionError("agent did not finish in 120 s; log:\n" + log());
        }
        return new AgentResult(process.exitValue(), log());
      } finally {
        children.forEach(ProcessHandle::destroyForcibly);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What the agent printed. */
  String log() {
    try {
      return Files.exists(agentLog) ? Files.readString(agentLog) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every fake-docker invocation's argv, in order. */
  List<List<String>> dockerInvocations() {
    if (!Files.isDirectory(record)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(record)) {
      List<List<String>> invocations = new ArrayList<>();
      for (Path file :
          files
              .filter(f -> f.getFileName().toString().endsWith(".argv"))
              .sorted(Comparator.comparing(f -> f.getFileName().toString()))
              .toList()) {
        invocations.add(nulSeparated(Files.readAllBytes(file)));
      }
      return invocations;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The invocations that were {@code docker <subcommand>}. */
  List<List<String>> docker(String subcommand) {
    return dockerInvocations().stream()
        .filter(argv -> !argv.isEmpty() && argv.get(0).equals(subcommand))
        .toList();
  }

  /** The modes (e.g. {@code 600}) of the env files docker was given. */
  List<String> envFileModes() {
    if (!Files.isDirectory(record)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(record)) {
      List<String> modes = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".envmode")).toList()) {
        modes.add(Files.readString(file).strip());
      }
      return modes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything the fake docker recorded (argv and env-file modes), as text. */
  String dockerRecordText() {
    if (!Files.isDirectory(record)) {
      return "";
    }
    try (Stream<Path> files = Files.list(record)) {
      StringBuilder text = new StringBuilder();
      for (Path file : files.toList()) {
        text.append(Files.readString(file)).append('\n');
      }
      return text.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The argv the "container" received. */
  List<String> containerArgv() {
    return nulSeparated(readProbe("argv"));
  }

  /** The environment the "container" ran with. */
  Map<String, String> containerEnv() {
    Map<String, String> vars = new HashMap<>();
    for (String entry : nulSeparated(readProbe("env"))) {
      int eq = entry.indexOf('=');
      vars.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    return vars;
  }

  /** Whether the "container" started. */
  boolean containerStarted() {
    return probeExists("started");
  }

  /** Whether the "container" created file {@code name} in the probe directory. */
  boolean probeExists(String name) {
    return Files.exists(probe.resolve(name));
  }

  /** Requests the Google-API WireMock received, oldest first. */
  List<ServeEvent> googleRequests() {
    List<ServeEvent> events = new ArrayList<>(google.getAllServeEvents());
    events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
    return events;
  }

  /** Requests to {@code path} with {@code method}, oldest first. */
  List<ServeEvent> googleRequests(RequestMethod method, String path) {
    return googleRequests().stream()
        .filter(e -> e.getRequest().getMethod().equals(method))
        .filter(e -> e.getRequest().getUrl().split("\\?", 2)[0].equals(path))
        .toList();
  }

  /** Uploads of the container's outputs: every media upload but the agent's own under _mlcp/. */
  List<ServeEvent> outputUploads() {
    return googleRequests(RequestMethod.POST, UPLOAD_PATH).stream()
        .filter(u -> !uploadName(u).startsWith("staging/run-01HX/_mlcp/"))
        .toList();
  }

  /** Uploads of the completion record {@link #RECORD_NAME}. */
  List<ServeEvent> recordUploads() {
    return googleRequests(RequestMethod.POST, UPLOAD_PATH).stream()
        .filter(u -> uploadName(u).equals(RECORD_NAME))
        .toList();
  }

  /** The object name of a media upload. */
  static String uploadName(ServeEvent upload) {
    return upload.getRequest().queryParameter("name").firstValue();
  }

  /** The CloudEvents the agent published to the WireMock Pub/Sub, decoded by the codec. */
  List<EventEnvelope<MlcpEvent>> publishedToWireMock() {
    List<EventEnvelope<MlcpEvent>> events = new ArrayList<>();
    for (ServeEvent request : googleRequests(RequestMethod.POST, PUBLISH_PATH)) {
      if (request.getResponse().getStatus() == 200) {
        events.addAll(decodePublishBody(request.getRequest().getBodyAsString()));
      }
    }
    return events;
  }

  /** Decodes a Pub/Sub REST publish body's messages with {@link CloudEventCodec}. */
  static List<EventEnvelope<MlcpEvent>> decodePublishBody(String body) {
    try {
      List<EventEnvelope<MlcpEvent>> events = new ArrayList<>();
      for (JsonNode message : JSON.readTree(body).path("messages")) {
        Map<String, String> attributes = new HashMap<>();
        message
            .path("attributes")
            .properties()
            .forEach(f -> attributes.put(f.getKey(), f.getValue().asText()));
        byte[] data = Base64.getDecoder().decode(message.path("data").asText());
        events.add(new CloudEventCodec().decode(attributes, data));
      }
      return events;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The attributes of each message in a Pub/Sub REST publish body. */
  static List<Map<String, String>> publishAttributes(String body) {
    try {
      List<Map<String, String>> all = new ArrayList<>();
      for (JsonNode message : JSON.readTree(body).path("messages")) {
        Map<String, String> attributes = new HashMap<>();
        message
            .path("attributes")
            .properties()
            .forEach(f -> attributes.put(f.getKey(), f.getValue().asText()));
        all.add(attributes);
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    metadata.stop();
    google.stop();
  }

  private void stubStandardMetadata() {
    metadataValue("instance/name", INSTANCE);
    metadataValue("instance/zone", "projects/123456789/zones/" + ZONE);
    metadataValue("project/project-id", PROJECT);
    metadataValue(
        "instance/service-accounts/default/email",
        "training-vm@" + PROJECT + ".iam.gserviceaccount.com");
    metadata.stubFor(
        get(urlPathEqualTo("/computeMetadata/v1/instance/service-accounts/default/token"))
            .withHeader("Metadata-Flavor", equalTo("Google"))
            .willReturn(
                okJson(
                    "{\"access_token\":\""
                        + TOKEN
                        + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")));
  }

  private void stubAttributes() {
    attributes.forEach((key, value) -> metadataValue("instance/attributes/" + key, value));
  }

  private void metadataValue(String path, String value) {
    metadata.stubFor(
        get(urlPathEqualTo("/computeMetadata/v1/" + path))
            .withHeader("Metadata-Flavor", equalTo("Google"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/text")
                    .withBody(value)));
  }

  private void stubGoogleApis() {
    google.stubFor(
        get(urlPathEqualTo(INSTANCE_PATH))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(okJson("{\"name\":\"" + INSTANCE + "\",\"status\":\"RUNNING\"}")));
    google.stubFor(
        delete(urlPathEqualTo(INSTANCE_PATH))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(okJson("{\"kind\":\"compute#operation\",\"status\":\"RUNNING\"}")));
    google.stubFor(
        post(urlPathEqualTo("/upload/storage/v1/b/" + BUCKET + "/o"))
            .withQueryParam("uploadType", equalTo("media"))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(okJson("{\"kind\":\"storage#object\"}")));
    google.stubFor(
        post(urlPathEqualTo(STS_PATH))
            .willReturn(
                okJson(
                    "{\"access_token\":\""
                        + DOWNSCOPED_TOKEN
                        + "\",\"issued_token_type\":"
                        + "\"urn:ietf:params:oauth:token-type:access_token\","
                        + "\"token_type\":\"Bearer\",\"expires_in\":3599}")));
    google.stubFor(
        post(urlPathEqualTo(PUBLISH_PATH))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(okJson("{\"messageIds\":[\"1\"]}")));
  }

  private byte[] readProbe(String name) {
    try {
      return Files.readAllBytes(probe.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> nulSeparated(byte[] bytes) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        parts.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return parts;
  }

  private static Path mkdirs(Path path) {
    try {
      return Files.createDirectories(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Something a test does while the agent runs (e.g. send it a signal). */
  @FunctionalInterface
  interface ProcessAction {
    void accept(Process process) throws IOException, InterruptedException;
  }

  /** How the agent process ended. */
  record AgentResult(int exitCode, String log) {}
}
