package dev.mlcp.platform.serving.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingStack;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local serving path end to end: the real VM agent in serving mode downloads the model through
 * the stack's loopback storage API, verifies its manifest digest, runs the sample model server with
 * fake docker; the proxy splits traffic by weight and counts success and latency per revision.
 */
class LocalServingStackTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent().getParent();
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-server";
  static final String MODEL =
      "{\"kind\":\"logistic-regression\",\"features\":[\"a\",\"b\"],\"weights\":[1.5,-0.5],"
          + "\"bias\":0.1}";

  @TempDir Path dir;
  LocalDirectoryObjectStore store;
  LocalServingStack stack;
  final HttpClient http = HttpClient.newHttpClient();
  HttpServer spanner;
  final List<String> spannerCalls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    spanner = fakeSpanner();
    store = new LocalDirectoryObjectStore(dir.resolve("objects"), Clock.systemUTC());
    Path map = dir.resolve("image-map");
    Files.writeString(
        map, IMAGE + " = python3 " + REPO.resolve("examples/sample-server/server.py") + "\n");
    stack =
        new LocalServingStack(
            dir.resolve("state"),
            store,
            List.of("bash", REPO.resolve("infra/vm/mlcp-agent.sh").toString()),
            Map.of(
                "MLCP_DOCKER", REPO.resolve("infra/vm/testing/fake-docker").toString(),
                "MLCP_IMAGE_MAP", map.toString(),
                // The agent's Spanner endpoint (the emulator's REST gateway in local mode).
                "MLCP_SPANNER_API", "http://127.0.0.1:" + spanner.getAddress().getPort() + "/v1"),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    stack.destroyAll();
    stack.close();
    spanner.stop(0);
  }

  /**
   * Spanner's REST API as the sample server's feature lookup calls it: a session, then executeSql
   * answering user 7's row; every call's path is recorded.
   */
  HttpServer fakeSpanner() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
            spannerCalls.add(path);
            String answer =
                path.endsWith("/sessions")
                    ? "{\"name\":\"" + path.substring("/v1/".length()) + "/s1\"}"
                    : body.contains("\"7\"")
                        ? "{\"metadata\":{\"rowType\":{\"fields\":[{\"name\":\"user_id\","
                            + "\"type\":{\"code\":\"INT64\"}},{\"name\":\"country\","
                            + "\"type\":{\"code\":\"STRING\"}}]}},\"rows\":[[\"7\",\"DE\"]]}"
                        : "{\"rows\":[]}";
            byte[] bytes = answer.getBytes(UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
          }
        });
    server.start();
    return server;
  }

  /** Writes a version (model.json + manifest.json) and returns the manifest's SHA-256. */
  String version(String prefix, String model) throws Exception {
    byte[] m = model.getBytes(StandardCharsets.UTF_8);
    store.write(
        ObjectUri.parse(prefix + "model.json"), m, "application/json", WriteCondition.none());
    String manifest =
        "{\"schema\":1,\"files\":[{\"path\":\"model.json\",\"sizeBytes\":"
            + m.length
            + ",\"sha256\":\""
            + sha(m)
            + "\"}]}";
    byte[] raw = manifest.getBytes(StandardCharsets.UTF_8);
    store.write(
        ObjectUri.parse(prefix + "manifest.json"), raw, "application/json", WriteCondition.none());
    return sha(raw);
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static ServingStack.RevisionSpec spec(
      String revision, String uri, String sha, Map<String, String> env) {
    return new ServingStack.RevisionSpec(
        "churn",
        revision,
        IMAGE,
        uri,
        sha,
        "local",
        2,
        2,
        0.6,
        "/healthz",
        8080,
        null,
        env,
        Map.of(),
        Map.of());
  }

  HttpResponse<String> predict(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url + "/v1/predict"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"instances\":[[1.0,2.0]]}"))
            .header("Content-Type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void the_data_endpoints_reach_the_model_server_and_its_feature_lookup_answers() throws Exception {
    String uri = "gs://reg/models/churn/versions/1/";
    String sha = version(uri, MODEL);
    stack.ensureRevision(
        spec("r1", uri, sha, Map.of("MLCP_FEATURE_DATABASE", "mlcp-local/features")), s -> {});
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> stack.revisionHealth("churn", "r1").allHealthy());
    ServingStack.Traffic t =
        stack.setTraffic("churn", Map.of("r1", 100), stack.traffic("churn").fingerprint());

    HttpResponse<String> found =
        http.send(
            HttpRequest.newBuilder(URI.create(t.url() + "/v1/features/7")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
    assertThat(found.body()).contains("\"country\": \"DE\"").contains("\"user_id\": 7");
    // The agent's endpoint and project (metadata) with the revision's database.
    assertThat(spannerCalls)
        .contains("/v1/projects/mlcp-local/instances/mlcp-local/databases/features/sessions");
    HttpResponse<String> missing =
        http.send(
            HttpRequest.newBuilder(URI.create(t.url() + "/v1/features/8")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void revisions_serve_behind_the_weighted_proxy_and_are_counted() throws Exception {
    String uri1 = "gs://reg/models/churn/versions/1/";
    String sha1 = version(uri1, MODEL);
    String uri2 = "gs://reg/models/churn/versions/2/";
    String sha2 = version(uri2, MODEL.replace("1.5", "2.5"));
    List<String> steps = new ArrayList<>();
    stack.ensureRevision(spec("r1", uri1, sha1, Map.of()), steps::add);
    assertThat(steps).contains("instance-group-created");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> stack.revisionHealth("churn", "r1").allHealthy());
    ServingStack.Traffic t =
        stack.setTraffic("churn", Map.of("r1", 100), stack.traffic("churn").fingerprint());
    Instant since = Instant.now().minusSeconds(1);
    HttpResponse<String> answer = predict(t.url());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("\"revision\": \"r1\"").contains(sha1);

    stack.ensureRevision(spec("r2", uri2, sha2, Map.of("MLCP_FAIL_RATE", "1.0")), s -> {});
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> stack.revisionHealth("churn", "r2").allHealthy());
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put("r1", 50);
    split.put("r2", 50);
    t = stack.setTraffic("churn", split, stack.traffic("churn").fingerprint());
    for (int i = 0; i < 60; i++) {
      predict(t.url());
    }
    RevisionMetrics.RequestStats r1 =
        stack.stats(ServingStack.Target.GCE, "churn", "r1", since, Instant.now().plusSeconds(1));
    RevisionMetrics.RequestStats r2 =
        stack.stats(ServingStack.Target.GCE, "churn", "r2", since, Instant.now().plusSeconds(1));
    assertThat(r1.requests()).isGreaterThan(10);
    assertThat(r1.errors()).isZero();
    assertThat(r2.requests()).isGreaterThan(10);
    assertThat(r2.errors()).isEqualTo(r2.requests());
    assertThat(r1.requests() + r2.requests()).isEqualTo(61);

    assertThatThrownBy(() -> stack.deleteRevision("churn", "r2", s -> {}))
        .isInstanceOf(PlatformException.class);
    stack.setTraffic("churn", Map.of("r1", 100, "r2", 0), stack.traffic("churn").fingerprint());
    assertThat(stack.deleteRevision("churn", "r2", s -> {})).isTrue();
    assertThat(stack.revisionHealth("churn", "r2").exists()).isFalse();
    assertThat(stack.traffic("churn").percents()).containsOnlyKeys("r1");
  }

  @Test
  void a_model_whose_manifest_differs_never_serves() throws Exception {
    String uri = "gs://reg/models/churn/versions/3/";
    version(uri, MODEL);
    stack.ensureRevision(spec("r1", uri, "0".repeat(64), Map.of()), s -> {});
    Path logs = dir.resolve("state/serving-local/churn/instances/r1/churn-r1-0.log");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(logs) && Files.readString(logs).contains("model refused"));
    assertThat(Files.readString(logs)).contains("manifest.json of " + uri + " has SHA-256");
    ServingStack.RevisionHealth h = stack.revisionHealth("churn", "r1");
    assertThat(h.allHealthy()).isFalse();
  }

  @Test
  void a_restarted_stack_adopts_its_revisions_and_port() throws Exception {
    String uri = "gs://reg/models/churn/versions/1/";
    String sha = version(uri, MODEL);
    stack.ensureRevision(spec("r1", uri, sha, Map.of()), s -> {});
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> stack.revisionHealth("churn", "r1").allHealthy());
    ServingStack.Traffic t =
        stack.setTraffic("churn", Map.of("r1", 100), stack.traffic("churn").fingerprint());
    stack.close();
    stack =
        new LocalServingStack(
            dir.resolve("state"), store, List.of("false"), Map.of(), Clock.systemUTC());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stack.revisionHealth("churn", "r1").allHealthy());
    assertThat(stack.traffic("churn").url()).isEqualTo(t.url());
    assertThat(predict(t.url()).statusCode()).isEqualTo(200);
  }
}
