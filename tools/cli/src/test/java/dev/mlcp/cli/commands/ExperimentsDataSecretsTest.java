package dev.mlcp.cli.commands;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.mlcp.cli.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mlcp experiments}, {@code mlcp data} and {@code mlcp secrets} (experiment-vm). */
class ExperimentsDataSecretsTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  static String experiment(String state, String connect) {
    return """
        {"name":"churn-eda","state":"%s","owner":"demo@mlcp.local","machineType":"n1-standard-8",
         "idle":"ACTIVE","expiresAt":"2026-11-24T13:30:00Z","costEstimateUsd":0.5,"instance":"nb-1",
         "zone":"europe-west4-a","connect":%s}"""
        .formatted(state, connect);
  }

  @Test
  void experiments_create_list_stop_and_delete() {
    wm.stubFor(
        post("/v1/experiments")
            .willReturn(okJson(experiment("PROVISIONING", "null")).withStatus(201)));
    wm.stubFor(
        get("/v1/experiments?state=RUNNING")
            .willReturn(okJson("{\"experiments\":[" + experiment("RUNNING", "null") + "]}")));
    wm.stubFor(
        post("/v1/experiments/churn-eda:stop").willReturn(okJson(experiment("STOPPED", "null"))));
    wm.stubFor(
        delete("/v1/experiments/churn-eda").willReturn(okJson(experiment("DELETED", "null"))));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result created =
        cli.run(
            "experiments",
            "create",
            "churn-eda",
            "--machine-type",
            "n1-standard-8",
            "--accelerator",
            "nvidia-tesla-t4:1",
            "--ttl",
            "4h",
            "--idle-timeout",
            "30m");
    Cli.Result list = cli.run("experiments", "list", "--state", "RUNNING");
    Cli.Result stop = cli.run("experiments", "stop", "churn-eda");
    cli.run("experiments", "delete", "churn-eda");

    wm.verify(
        postRequestedFor(urlEqualTo("/v1/experiments"))
            .withRequestBody(
                equalToJson(
                    """
                    {"name":"churn-eda","machineType":"n1-standard-8","acceleratorType":"nvidia-tesla-t4",
                     "acceleratorCount":1,"ttl":"PT4H","idleTimeout":"PT30M"}""")));
    assertThat(created.out()).containsPattern("churn-eda\\s+PROVISIONING");
    assertThat(list.out())
        .containsPattern(
            "churn-eda\\s+RUNNING\\s+demo@mlcp.local\\s+n1-standard-8\\s+ACTIVE\\s+2026-11-24T13:30:00Z\\s+\\$0.5000");
    assertThat(stop.out()).contains("STOPPED");
    wm.verify(deleteRequestedFor(urlEqualTo("/v1/experiments/churn-eda")));
  }

  @Test
  void experiments_ssh_locally_prints_the_notebook_url_and_says_there_is_no_ssh() {
    wm.stubFor(
        get("/v1/experiments/churn-eda")
            .willReturn(okJson(experiment("RUNNING", "{\"url\":\"http://127.0.0.1:41234/lab\"}"))));

    Cli.Result r = Cli.local(dir, wm.getPort()).run("experiments", "ssh", "churn-eda");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).isEqualTo("http://127.0.0.1:41234/lab");
    assertThat(r.err()).contains("local mode: no SSH to a local notebook VM");
  }

  @Test
  void experiments_ssh_in_the_cloud_prints_the_iap_command_with_the_cloud_token() {
    String ssh =
        "gcloud compute ssh nb-1 --zone europe-west4-a --project p --tunnel-through-iap -- -L 8888:localhost:8888";
    wm.stubFor(
        get("/v1/experiments/churn-eda")
            .willReturn(
                okJson(
                    experiment(
                        "RUNNING",
                        "{\"url\":\"http://localhost:8888/lab\",\"ssh\":\"" + ssh + "\"}"))));

    Cli.Result r = Cli.cloud(dir, wm.getPort()).run("experiments", "ssh", "churn-eda");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo(ssh);
    assertThat(r.err()).contains("then open http://localhost:8888/lab");
    wm.verify(
        getRequestedFor(urlEqualTo("/v1/experiments/churn-eda"))
            .withHeader("Authorization", equalTo("Bearer " + Cli.CLOUD_TOKEN)));
  }

  @Test
  void data_lists_bigquery_datasets_and_spanner_databases_and_their_tables() {
    wm.stubFor(get("/v1/datasets").willReturn(okJson("{\"datasets\":[\"samples\"]}")));
    wm.stubFor(
        get("/v1/spanner/databases")
            .willReturn(
                okJson(
                    "{\"databases\":[{\"instance\":\"mlcp-local\",\"database\":\"features\"}]}")));
    wm.stubFor(
        get("/v1/datasets/samples/tables")
            .willReturn(okJson("{\"dataset\":\"samples\",\"tables\":[\"customers\"]}")));
    wm.stubFor(
        get("/v1/spanner/databases/mlcp-local/features/tables")
            .willReturn(
                okJson(
                    "{\"tables\":[{\"name\":\"training_examples\",\"primaryKey\":[\"id\"],"
                        + "\"columns\":[{\"name\":\"id\",\"type\":\"INT64\"},{\"name\":\"label\",\"type\":\"BOOL\"}]}]}")));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result datasets = cli.run("data", "datasets");
    Cli.Result bq = cli.run("data", "tables", "samples");
    Cli.Result spanner = cli.run("data", "tables", "mlcp-local/features");

    assertThat(datasets.out())
        .containsPattern("bigquery\\s+samples")
        .containsPattern("spanner\\s+mlcp-local/features");
    assertThat(bq.out()).contains("customers");
    assertThat(spanner.out()).containsPattern("training_examples\\s+id\\s+id:INT64,label:BOOL");
  }

  @Test
  void data_preview_and_query_render_rows_of_both_stores() {
    wm.stubFor(
        get("/v1/datasets/samples/tables/customers/preview?limit=2")
            .willReturn(
                okJson(
                    "{\"schema\":[{\"name\":\"id\"},{\"name\":\"plan\"}],\"rows\":[{\"id\":1,\"plan\":\"pro\"},{\"id\":2,\"plan\":null}]}")));
    wm.stubFor(
        get("/v1/spanner/databases/mlcp-local/features/tables/training_examples:preview?maxRows=1")
            .willReturn(
                okJson(
                    "{\"columns\":[{\"name\":\"id\"},{\"name\":\"x\"}],\"rows\":[[7,0.5]],\"truncated\":true}")));
    wm.stubFor(
        post("/v1/queries")
            .willReturn(
                okJson(
                        "{\"id\":\"q_1\",\"destination\":\"bq://p.scratch.q_1\",\"totalRows\":1,\"estimatedCostUsd\":0.0,"
                            + "\"schema\":[{\"name\":\"plan\"},{\"name\":\"n\"}],\"rows\":[{\"plan\":\"pro\",\"n\":3}]}")
                    .withStatus(201)));
    wm.stubFor(
        post("/v1/spanner/queries")
            .willReturn(okJson("{\"columns\":[{\"name\":\"n\"}],\"rows\":[[5]]}")));
    wm.stubFor(
        post("/v1/queries:dryRun")
            .willReturn(okJson("{\"statementType\":\"SELECT\",\"bytesProcessed\":1024}")));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result preview = cli.run("data", "preview", "samples.customers", "--limit", "2");
    Cli.Result sp =
        cli.run("data", "preview", "mlcp-local/features/training_examples", "--limit", "1");
    Cli.Result query =
        cli.run("data", "query", "SELECT plan, COUNT(*) AS n FROM samples.customers GROUP BY plan");
    Cli.Result spq =
        cli.run(
            "data",
            "query",
            "--spanner",
            "mlcp-local/features",
            "--param",
            "n=5",
            "--param",
            "who=bob",
            "SELECT * FROM t LIMIT @n");
    Cli.Result dry = cli.run("data", "query", "--dry-run", "SELECT 1");

    assertThat(preview.out()).containsPattern("id\\s+plan\\n1\\s+pro\\n2\\s+-");
    assertThat(sp.out()).containsPattern("id\\s+x\\n7\\s+0.5");
    assertThat(sp.err()).contains("(truncated)");
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/queries"))
            .withRequestBody(
                equalToJson(
                    "{\"sql\":\"SELECT plan, COUNT(*) AS n FROM samples.customers GROUP BY plan\"}")));
    assertThat(query.out()).containsPattern("plan\\s+n\\npro\\s+3");
    assertThat(query.err()).contains("1 rows, $0.0000, result table bq://p.scratch.q_1");
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/spanner/queries"))
            .withRequestBody(
                equalToJson(
                    "{\"instance\":\"mlcp-local\",\"database\":\"features\",\"sql\":\"SELECT * FROM t LIMIT @n\",\"params\":{\"n\":5,\"who\":\"bob\"}}")));
    assertThat(spq.out()).containsPattern("n\\n5");
    assertThat(dry.out()).containsPattern("statementType\\s+SELECT");
  }

  @Test
  void secrets_create_from_a_file_list_add_version_and_access() throws Exception {
    Path value = Files.writeString(dir.resolve("key.txt"), "sk-123\n");
    wm.stubFor(
        post("/v1/secrets")
            .willReturn(okJson("{\"name\":\"openai-key\",\"version\":\"1\"}").withStatus(201)));
    wm.stubFor(
        get("/v1/secrets")
            .willReturn(
                okJson(
                    "{\"secrets\":[{\"name\":\"openai-key\",\"owner\":\"demo@mlcp.local\",\"readers\":[\"bob@mlcp.local\"],"
                        + "\"labels\":{\"vendor\":\"openai\"},\"created\":\"2026-11-24T09:30:00Z\"}]}")));
    wm.stubFor(
        post("/v1/secrets/openai-key/versions")
            .willReturn(okJson("{\"name\":\"openai-key\",\"version\":\"2\"}").withStatus(201)));
    wm.stubFor(
        get("/v1/secrets/openai-key:access?version=latest")
            .willReturn(
                okJson("{\"name\":\"openai-key\",\"version\":\"2\",\"value\":\"sk-456\"}")));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result created =
        cli.run(
            "secrets",
            "create",
            "openai-key",
            "--value-file",
            value.toString(),
            "--label",
            "vendor=openai",
            "--reader",
            "bob@mlcp.local");
    Cli.Result list = cli.run("secrets", "list");
    Cli.Result added = cli.run("secrets", "add-version", "openai-key", "--value", "sk-456");
    Cli.Result access = cli.run("secrets", "access", "openai-key", "--version", "latest");

    wm.verify(
        postRequestedFor(urlEqualTo("/v1/secrets"))
            .withRequestBody(
                equalToJson(
                    "{\"name\":\"openai-key\",\"value\":\"sk-123\",\"labels\":{\"vendor\":\"openai\"},\"readers\":[\"bob@mlcp.local\"]}")));
    assertThat(created.out().strip()).isEqualTo("created openai-key version 1");
    assertThat(list.out())
        .containsPattern("openai-key\\s+demo@mlcp.local\\s+bob@mlcp.local\\s+vendor=openai");
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/secrets/openai-key/versions"))
            .withRequestBody(equalToJson("{\"value\":\"sk-456\"}")));
    assertThat(added.out().strip()).isEqualTo("added openai-key version 2");
    assertThat(access.out()).isEqualTo("sk-456\n");
  }

  @Test
  void a_secret_needs_exactly_one_value_source() {
    Cli.Result r = Cli.local(dir, wm.getPort()).run("secrets", "create", "k");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(wm.getAllServeEvents()).isEmpty();
  }
}
