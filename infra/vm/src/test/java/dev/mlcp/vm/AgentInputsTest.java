package dev.mlcp.vm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.mlcp.vm.AgentFixture.INSTANCE_PATH;
import static dev.mlcp.vm.AgentFixture.PROJECT;
import static dev.mlcp.vm.AgentFixture.PUBLISH_PATH;
import static dev.mlcp.vm.AgentFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.testing.SpannerEmulator;
import dev.mlcp.vm.AgentFixture.AgentResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent materializing {@code mlcp-input-plan}: Cloud Storage prefixes and registry versions
 * (checksums verified), BigQuery exports (a job, then the Parquet files), Spanner reads (the real
 * emulator), each under {@code /inputs/<n>/} with a manifest, mounted read-only; a failure fails
 * the run naming the input, and the VM still deletes itself.
 */
class AgentInputsTest {
  private static final String IMAGE = "europe-docker.pkg.dev/mlcp-test/trainers/sample:1.0";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The "container": copies what it sees under its inputs directory into the probe. */
  private static final String READER =
      """
      cp "$MLCP_INPUT_DIR/manifest.json" "$probe/manifest.json"
      (cd "$MLCP_INPUT_DIR" && find . -type f | sort) > "$probe/files"
      if [ -f "$MLCP_INPUT_DIR/0/data.jsonl" ]; then cp "$MLCP_INPUT_DIR/0/data.jsonl" "$probe/"; fi
      if [ -f "$MLCP_INPUT_DIR/1/data.jsonl" ]; then cp "$MLCP_INPUT_DIR/1/data.jsonl" "$probe/q.jsonl"; fi
      """;

  @TempDir Path dir;
  private AgentFixture agent;

  @BeforeEach
  void setUp() {
    agent = new AgentFixture(dir);
    agent
        .attribute("mlcp-image", IMAGE)
        .env("MLCP_BIGQUERY_API", agent.google.baseUrl() + "/bigquery/v2")
        .mapImage("europe-docker.pkg.dev/", agent.trainer("reader.sh", READER).toString());
  }

  @AfterEach
  void tearDown() {
    agent.close();
  }

  @Test
  void
      a_gcs_prefix_is_downloaded_checked_and_mounted_read_only_with_a_manifest_without_agent_records()
          throws Exception {
    byte[] a = "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8);
    byte[] b = "x".repeat(3_000_000).getBytes(StandardCharsets.UTF_8);
    objects(
        "data-bkt",
        "train/",
        object("train/a.csv", a),
        object("train/sub/b.csv", b),
        object("train/_mlcp/attempt-1/completion.json", "{}".getBytes(StandardCharsets.UTF_8)));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"gs://data-bkt/train\",\"kind\":\"gcs\",\"uri\":\"gs://data-bkt/train\"}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    List<String> run = agent.docker("run").get(0);
    assertThat(run.get(run.lastIndexOf("-v") + 1)).endsWith("/inputs:/inputs:ro");
    assertThat(Files.readString(agent.probe.resolve("files")))
        .isEqualTo("./0/a.csv\n./0/sub/b.csv\n./manifest.json\n");
    JsonNode input =
        JSON.readTree(agent.probe.resolve("manifest.json").toFile()).path("inputs").get(0);
    assertThat(input.path("source").asText()).isEqualTo("gs://data-bkt/train");
    assertThat(input.path("path").asText()).isEqualTo("/inputs/0");
    assertThat(input.path("bytes").asLong()).isEqualTo(a.length + b.length);
    assertThat(input.path("files").get(0).path("sha256").asText()).isEqualTo(sha256(a));
    assertThat(agent.containerEnv()).containsKey("MLCP_INPUT_DIR");
    TrainingCompleted done = onlyCompletion();
    assertThat(done.reason()).isNull();
    assertThat(done.resourceUse().inputBytes()).isEqualTo(a.length + b.length);
  }

  @Test
  void a_prefix_is_downloaded_by_curl_with_the_token_and_odd_names_land_at_their_own_paths()
      throws Exception {
    List<Obj> files = new java.util.ArrayList<>();
    for (String name :
        List.of(
            "it's \"quoted\".csv", "back\\slash.csv", "sp ace/[x]{y}.csv", "per%cent+plus.csv")) {
      files.add(object("odd/" + name, ("content of " + name).getBytes(StandardCharsets.UTF_8)));
    }
    for (int i = 0; i < 20; i++) {
      files.add(object("odd/part-" + i + ".bin", ("part " + i).getBytes(StandardCharsets.UTF_8)));
    }
    objects("data-bkt", "odd/", files.toArray(Obj[]::new));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"gs://data-bkt/odd/\",\"kind\":\"gcs\",\"uri\":\"gs://data-bkt/odd/\"}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    String seen = Files.readString(agent.probe.resolve("files"));
    assertThat(seen.lines().count()).as(seen).isEqualTo(files.size() + 1);
    assertThat(seen)
        .contains("./0/it's \"quoted\".csv", "./0/back\\slash.csv", "./0/sp ace/[x]{y}.csv")
        .contains("./0/per%cent+plus.csv");
    List<String> agents =
        agent.googleRequests().stream()
            .filter(e -> e.getRequest().getUrl().contains("alt=media"))
            .map(e -> e.getRequest().getHeader("User-Agent"))
            .toList();
    assertThat(agents).hasSize(files.size()).allMatch(ua -> ua.startsWith("curl/"));
  }

  @Test
  void a_file_curl_got_wrong_is_downloaded_again_and_checked() throws Exception {
    byte[] right = "1,2,3\n".getBytes(StandardCharsets.UTF_8);
    byte[] other = "4,5,6\n".getBytes(StandardCharsets.UTF_8);
    // Two files: curl fetches several objects; a single one streams through the agent's Python.
    objects("data-bkt", "flaky/", object("flaky/a.csv", right), object("flaky/b.csv", other));
    String path = "/storage/v1/b/data-bkt/o/flaky%2Fa.csv";
    // The first answer has the right length and a flipped byte (what a checksum is for).
    agent.google.stubFor(
        get(urlPathEqualTo(path))
            .inScenario("flaky")
            .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
            .withQueryParam("alt", equalTo("media"))
            .willReturn(aResponse().withStatus(200).withBody("1,2,4\n"))
            .willSetStateTo("served once"));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"gs://data-bkt/flaky/\",\"kind\":\"gcs\",\"uri\":\"gs://data-bkt/flaky/\"}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    assertThat(onlyCompletion().resourceUse().inputBytes()).isEqualTo(right.length + other.length);
    List<String> agents =
        agent.googleRequests().stream()
            .filter(e -> e.getRequest().getUrl().startsWith(path + "?alt=media"))
            .map(e -> e.getRequest().getHeader("User-Agent"))
            .toList();
    assertThat(agents).as("curl's download, then the agent's own").hasSize(2);
    assertThat(agents).anyMatch(ua -> ua.startsWith("curl/"));
    assertThat(agents).anyMatch(ua -> ua.startsWith("Python-urllib/"));
    JsonNode input =
        JSON.readTree(agent.probe.resolve("manifest.json").toFile()).path("inputs").get(0);
    assertThat(input.path("files").get(0).path("sha256").asText()).isEqualTo(sha256(right));
  }

  @Test
  void a_registry_version_whose_file_does_not_match_its_checksum_fails_the_run_naming_the_file()
      throws Exception {
    byte[] model = "{\"weights\": [1, 2]}".getBytes(StandardCharsets.UTF_8);
    objects("reg-bkt", "models/iris/3/", object("models/iris/3/model.json", model));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"models:/iris@champion\",\"kind\":\"gcs\","
            + "\"uri\":\"gs://reg-bkt/models/iris/3/\",\"sha256\":\""
            + "a".repeat(64)
            + "\",\"files\":[{\"path\":\"model.json\",\"sha256\":\""
            + "b".repeat(64)
            + "\",\"size\":"
            + model.length
            + "}]}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.containerStarted()).isFalse();
    TrainingCompleted done = onlyCompletion();
    assertThat(done.reason())
        .startsWith("input models:/iris@champion: checksum mismatch on model.json")
        .contains(sha256(model));
    assertThat(done.exitCode()).isEqualTo(-1);
    assertPublishedThenDeleted();
  }

  @Test
  void a_registry_version_with_matching_checksums_is_materialized() throws Exception {
    byte[] model = "{\"weights\": [1, 2]}".getBytes(StandardCharsets.UTF_8);
    objects("reg-bkt", "models/iris/3/", object("models/iris/3/model.json", model));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"models:/iris/3\",\"kind\":\"gcs\","
            + "\"uri\":\"gs://reg-bkt/models/iris/3/\",\"sha256\":\""
            + "a".repeat(64)
            + "\",\"files\":[{\"path\":\"model.json\",\"sha256\":\""
            + sha256(model)
            + "\",\"size\":"
            + model.length
            + "}]}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    JsonNode input =
        JSON.readTree(agent.probe.resolve("manifest.json").toFile()).path("inputs").get(0);
    assertThat(input.path("sha256").asText()).isEqualTo("a".repeat(64));
    assertThat(Files.readString(agent.probe.resolve("files"))).contains("./0/model.json");
  }

  @Test
  void a_bigquery_query_is_exported_by_a_job_with_the_bytes_cap_then_downloaded() throws Exception {
    byte[] parquet = "PAR1-fake-parquet-PAR1".getBytes(StandardCharsets.UTF_8);
    String export = "staging/run-01HX/_mlcp/inputs/0/";
    agent.google.stubFor(
        post(urlPathEqualTo("/bigquery/v2/projects/mlcp-test/jobs"))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(
                okJson(
                    "{\"jobReference\":{\"projectId\":\"mlcp-test\",\"jobId\":\"j\","
                        + "\"location\":\"EU\"},\"status\":{\"state\":\"RUNNING\"}}")));
    agent.google.stubFor(
        get(urlPathEqualTo("/bigquery/v2/projects/mlcp-test/jobs/mlcp-run-01HX-a2-in0"))
            .withQueryParam("location", equalTo("EU"))
            .willReturn(
                okJson(
                    "{\"status\":{\"state\":\"DONE\"},\"statistics\":{\"query\":"
                        + "{\"exportDataStatistics\":{\"rowCount\":\"42\",\"fileCount\":\"1\"}}}}")));
    objects(AgentFixture.BUCKET, export, object(export + "part-000000000000.parquet", parquet));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"bq://mlcp-test?query=SELECT 1\",\"kind\":\"bigquery\","
            + "\"project\":\"mlcp-test\",\"query\":\"SELECT x FROM d.t\",\"maxBytesBilled\":1000,"
            + "\"exportUri\":\"gs://"
            + AgentFixture.BUCKET
            + "/"
            + export
            + "\"}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).as(result.log()).isZero();
    JsonNode job =
        JSON.readTree(
            agent
                .googleRequests(RequestMethod.POST, "/bigquery/v2/projects/mlcp-test/jobs")
                .get(0)
                .getRequest()
                .getBodyAsString());
    assertThat(job.path("jobReference").path("jobId").asText()).isEqualTo("mlcp-run-01HX-a2-in0");
    JsonNode query = job.path("configuration").path("query");
    assertThat(query.path("query").asText())
        .startsWith(
            "EXPORT DATA OPTIONS (uri = 'gs://"
                + AgentFixture.BUCKET
                + "/"
                + export
                + "part-*.parquet', format = 'PARQUET'")
        .endsWith("SELECT x FROM d.t");
    assertThat(query.path("maximumBytesBilled").asText()).isEqualTo("1000");
    JsonNode input =
        JSON.readTree(agent.probe.resolve("manifest.json").toFile()).path("inputs").get(0);
    assertThat(input.path("jobId").asText()).isEqualTo("mlcp-run-01HX-a2-in0");
    assertThat(input.path("rows").asLong()).isEqualTo(42);
    assertThat(Files.readString(agent.probe.resolve("files")))
        .contains("./0/part-000000000000.parquet");
  }

  @Test
  void a_failed_export_job_fails_the_run_naming_the_source() {
    agent.google.stubFor(
        post(urlPathEqualTo("/bigquery/v2/projects/mlcp-test/jobs"))
            .willReturn(
                okJson(
                    "{\"jobReference\":{\"projectId\":\"mlcp-test\",\"jobId\":\"j\"},"
                        + "\"status\":{\"state\":\"DONE\",\"errorResult\":{\"reason\":"
                        + "\"bytesBilledLimitExceeded\",\"message\":\"Query exceeded limit for bytes billed\"}}}")));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"bq://mlcp-test.d.t\",\"kind\":\"bigquery\",\"project\":\"mlcp-test\","
            + "\"table\":\"mlcp-test.d.t\",\"exportUri\":\"gs://b/x/\"}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(onlyCompletion().reason())
        .isEqualTo(
            "input bq://mlcp-test.d.t: BigQuery export job mlcp-run-01HX-a2-in0 failed: Query"
                + " exceeded limit for bytes billed");
    assertPublishedThenDeleted();
  }

  @Test
  void a_missing_object_fails_the_run_naming_the_source_and_the_vm_still_deletes_itself() {
    agent.google.stubFor(
        get(urlPathEqualTo("/storage/v1/b/data-bkt/o"))
            .willReturn(okJson("{\"kind\":\"storage#objects\"}")));
    agent.google.stubFor(
        get(urlPathEqualTo("/storage/v1/b/data-bkt/o/gone.csv")).willReturn(notFound()));
    agent.attribute(
        "mlcp-input-plan",
        "[{\"n\":0,\"source\":\"gs://data-bkt/gone.csv\",\"kind\":\"gcs\",\"uri\":\"gs://data-bkt/gone.csv\"}]");

    AgentResult result = agent.run();

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(agent.containerStarted()).isFalse();
    assertThat(onlyCompletion().reason())
        .isEqualTo("input gs://data-bkt/gone.csv: no objects under gs://data-bkt/gone.csv/");
    assertPublishedThenDeleted();
  }

  @Test
  void spanner_table_and_query_are_read_from_the_emulator_into_json_lines() throws Exception {
    try (SpannerEmulator spanner = SpannerEmulator.start(PROJECT)) {
      spanner.createDatabase(
          "feat-inst",
          "features",
          List.of(
              "CREATE TABLE users (user_id INT64 NOT NULL, name STRING(MAX), score FLOAT64,"
                  + " tags ARRAY<INT64>) PRIMARY KEY (user_id)"));
      spanner.dml(
          "feat-inst",
          "features",
          List.of(
              "INSERT INTO users (user_id, name, score, tags) VALUES (1, 'ada', 0.5, [1, 2]),"
                  + " (2, 'bob', NULL, NULL), (3, 'cy', 2.5, [])"));
      agent
          .env("MLCP_SPANNER_API", spanner.restUrl())
          .attribute(
              "mlcp-input-plan",
              "[{\"n\":0,\"source\":\"spanner://feat-inst/features?table=users\",\"kind\":\"spanner\","
                  + "\"project\":\"mlcp-test\",\"instance\":\"feat-inst\",\"database\":\"features\","
                  + "\"sql\":\"SELECT * FROM `users` ORDER BY user_id\",\"maxStaleness\":\"0ms\",\"format\":\"jsonl\"},"
                  + "{\"n\":1,\"source\":\"spanner://feat-inst/features?sql=SELECT…\",\"kind\":\"spanner\","
                  + "\"project\":\"mlcp-test\",\"instance\":\"feat-inst\",\"database\":\"features\","
                  + "\"sql\":\"SELECT COUNT(*) AS n FROM users WHERE score > 0\",\"maxStaleness\":\"1000ms\","
                  + "\"format\":\"jsonl\"}]");

      AgentResult result = agent.run();

      assertThat(result.exitCode()).as(result.log()).isZero();
    }
    assertThat(Files.readAllLines(agent.probe.resolve("data.jsonl")))
        .containsExactly(
            "{\"user_id\":1,\"name\":\"ada\",\"score\":0.5,\"tags\":[1,2]}",
            "{\"user_id\":2,\"name\":\"bob\",\"score\":null,\"tags\":null}",
            "{\"user_id\":3,\"name\":\"cy\",\"score\":2.5,\"tags\":[]}");
    assertThat(Files.readAllLines(agent.probe.resolve("q.jsonl"))).containsExactly("{\"n\":2}");
    JsonNode inputs = JSON.readTree(agent.probe.resolve("manifest.json").toFile()).path("inputs");
    assertThat(inputs.get(0).path("rows").asLong()).isEqualTo(3);
    assertThat(inputs.get(0).path("format").asText()).isEqualTo("jsonl");
    assertThat(inputs.get(1).path("path").asText()).isEqualTo("/inputs/1");
  }

  private record Obj(String name, byte[] content) {}

  private static Obj object(String name, byte[] content) {
    return new Obj(name, content);
  }

  /** Serves a listing of {@code prefix} and each object's metadata and media. */
  private void objects(String bucket, String prefix, Obj... objects) throws Exception {
    StringBuilder items = new StringBuilder();
    for (Obj o : objects) {
      String md5 =
          Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(o.content()));
      items
          .append(items.length() == 0 ? "" : ",")
          .append("{\"name\":")
          .append(JSON.writeValueAsString(o.name()))
          .append(",\"size\":\"")
          .append(o.content().length)
          .append("\",\"md5Hash\":\"")
          .append(md5)
          .append("\"}");
      String path = "/storage/v1/b/" + bucket + "/o/" + encode(o.name());
      agent.google.stubFor(
          get(urlPathEqualTo(path))
              .withQueryParam("alt", equalTo("media"))
              .withHeader("Authorization", equalTo("Bearer " + TOKEN))
              .willReturn(aResponse().withStatus(200).withBody(o.content())));
    }
    agent.google.stubFor(
        get(urlPathEqualTo("/storage/v1/b/" + bucket + "/o"))
            .withQueryParam("prefix", equalTo(prefix))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(okJson("{\"items\":[" + items + "]}")));
    // A prefix named without its trailing slash is not an object.
    agent.google.stubFor(
        get(urlPathEqualTo(
                "/storage/v1/b/"
                    + bucket
                    + "/o/"
                    + prefix.replaceAll("/$", "").replace("/", "%2F")))
            .willReturn(notFound()));
  }

  /** An object name as a path segment: every byte but {@code [A-Za-z0-9_.~-]} percent-encoded. */
  private static String encode(String name) {
    StringBuilder out = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (Character.isLetterOrDigit(c) && c < 128 || "_.~-".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append(String.format("%%%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  private TrainingCompleted onlyCompletion() {
    List<EventEnvelope<MlcpEvent>> events = agent.publishedToWireMock();
    assertThat(events).as(agent.log()).hasSize(1);
    return (TrainingCompleted) events.get(0).data();
  }

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
}
