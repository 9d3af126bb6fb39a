package dev.mlcp.platform.warehouse.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQueryOptions;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.warehouse.Field;
import dev.mlcp.platform.warehouse.FieldType;
import dev.mlcp.platform.warehouse.QueryResult;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.platform.warehouse.TableSchema;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** BigQuery REST protocol of the adapter, against WireMock stubs of the v2 API. */
class BigQueryWarehouseTest {

  private static final String BASE = "/bigquery/v2/projects/proj";
  private static final String RUNS_TABLE =
      "{\"kind\":\"bigquery#table\",\"tableReference\":{\"projectId\":\"proj\",\"datasetId\":\"mlcp\",\"tableId\":\"runs\"},"
          + "\"schema\":{\"fields\":[{\"name\":\"run_id\",\"type\":\"STRING\",\"mode\":\"REQUIRED\"},"
          + "{\"name\":\"accuracy\",\"type\":\"FLOAT\"},{\"name\":\"epochs\",\"type\":\"INTEGER\"},"
          + "{\"name\":\"finished\",\"type\":\"TIMESTAMP\"}]},\"numRows\":\"2\",\"type\":\"TABLE\"}";

  private WireMockServer wm;
  private BigQueryWarehouse warehouse;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    warehouse =
        new BigQueryWarehouse(
            "proj",
            "US",
            BigQueryOptions.newBuilder()
                .setHost(wm.baseUrl())
                .setProjectId("proj")
                .setCredentials(NoCredentials.getInstance())
                .setRetrySettings(ServiceOptions.getNoRetrySettings())
                .build()
                .getService(),
            new Retrier(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))),
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  private static ResponseDefinitionBuilder json(String body) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(body);
  }

  private static ResponseDefinitionBuilder error(int status, String reason, String message) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(
            "{\"error\":{\"code\":"
                + status
                + ",\"message\":\""
                + message
                + "\",\"errors\":[{\"reason\":\""
                + reason
                + "\",\"message\":\""
                + message
                + "\"}]}}");
  }

  @Test
  void datasets_are_listed_across_pages() {
    wm.stubFor(
        get(urlPathEqualTo(BASE + "/datasets"))
            .withQueryParam("pageToken", absent())
            .willReturn(
                json(
                    "{\"datasets\":[{\"datasetReference\":{\"projectId\":\"proj\",\"datasetId\":\"zeta\"}}],\"nextPageToken\":\"p2\"}")));
    wm.stubFor(
        get(urlPathEqualTo(BASE + "/datasets"))
            .withQueryParam("pageToken", equalTo("p2"))
            .willReturn(
                json(
                    "{\"datasets\":[{\"datasetReference\":{\"projectId\":\"proj\",\"datasetId\":\"alpha\"}}]}")));

    assertThat(warehouse.listDatasets()).containsExactly("alpha", "zeta");
  }

  @Test
  void schema_and_preview_convert_bigquery_types() {
    wm.stubFor(
        get(urlPathEqualTo(BASE + "/datasets/mlcp/tables/runs")).willReturn(json(RUNS_TABLE)));
    wm.stubFor(
        get(urlPathEqualTo(BASE + "/datasets/mlcp/tables/runs/data"))
            .willReturn(
                json(
                    "{\"totalRows\":\"1\",\"rows\":[{\"f\":[{\"v\":\"run-1\"},{\"v\":\"0.9\"},{\"v\":\"3\"},{\"v\":\"1.767323045E9\"}]}]}")));

    TableRows rows = warehouse.preview(new TableId("mlcp", "runs"), 5);

    assertThat(rows.schema().fields())
        .extracting(Field::type)
        .containsExactly(FieldType.STRING, FieldType.FLOAT64, FieldType.INT64, FieldType.TIMESTAMP);
    assertThat(rows.schema().fields().get(0).required()).isTrue();
    assertThat(rows.rows())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.get("run_id")).isEqualTo("run-1");
              assertThat(r.get("accuracy")).isEqualTo(0.9);
              assertThat(r.get("epochs")).isEqualTo(3L);
              assertThat(r.get("finished")).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
            });
    wm.verify(
        getRequestedFor(urlPathEqualTo(BASE + "/datasets/mlcp/tables/runs/data"))
            .withQueryParam("maxResults", equalTo("5")));
  }

  @Test
  void dry_run_reports_bytes_processed_and_result_schema() {
    wm.stubFor(
        post(urlPathEqualTo(BASE + "/jobs"))
            .withRequestBody(matchingJsonPath("$.configuration.dryRun", equalTo("true")))
            .willReturn(
                json(
                    "{\"status\":{\"state\":\"DONE\"},\"configuration\":{\"dryRun\":true,\"query\":{\"query\":\"q\"}},"
                        + "\"statistics\":{\"query\":{\"totalBytesProcessed\":\"123456\",\"schema\":{\"fields\":[{\"name\":\"run_id\",\"type\":\"STRING\"}]}}}}")));

    var dryRun = warehouse.dryRun("SELECT run_id FROM mlcp.runs");

    assertThat(dryRun.bytesProcessed()).isEqualTo(123456L);
    assertThat(dryRun.schema().fields()).extracting(Field::name).containsExactly("run_id");
  }

  @Test
  void query_job_is_polled_until_done_and_reports_the_destination_rows() {
    wm.stubFor(
        post(urlPathEqualTo(BASE + "/jobs"))
            .willReturn(
                json(
                    "{\"jobReference\":{\"projectId\":\"proj\",\"jobId\":\"j\"},\"status\":{\"state\":\"RUNNING\"},\"configuration\":{\"query\":{\"query\":\"q\"}}}")));
    wm.stubFor(
        get(urlPathMatching(BASE + "/jobs/mlcp-.*"))
            .inScenario("job")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                json(
                    "{\"jobReference\":{\"projectId\":\"proj\",\"jobId\":\"j\"},\"status\":{\"state\":\"RUNNING\"},\"configuration\":{\"query\":{\"query\":\"q\"}}}"))
            .willSetStateTo("done"));
    wm.stubFor(
        get(urlPathMatching(BASE + "/jobs/mlcp-.*"))
            .inScenario("job")
            .whenScenarioStateIs("done")
            .willReturn(
                json(
                    "{\"jobReference\":{\"projectId\":\"proj\",\"jobId\":\"j\"},\"status\":{\"state\":\"DONE\"},\"configuration\":{\"query\":{\"query\":\"q\"}}}")));
    wm.stubFor(
        get(urlPathEqualTo(BASE + "/datasets/mlcp/tables/best"))
            .willReturn(json(RUNS_TABLE.replace("\"runs\"", "\"best\""))));

    QueryResult result = warehouse.query("SELECT * FROM mlcp.runs", new TableId("mlcp", "best"));

    assertThat(result.totalRows()).isEqualTo(2);
    wm.verify(
        postRequestedFor(urlPathEqualTo(BASE + "/jobs"))
            .withRequestBody(
                matchingJsonPath("$.configuration.query.destinationTable.tableId", equalTo("best")))
            .withRequestBody(
                matchingJsonPath(
                    "$.configuration.query.writeDisposition", equalTo("WRITE_TRUNCATE")))
            .withRequestBody(
                matchingJsonPath("$.configuration.query.useLegacySql", equalTo("false")))
            .withRequestBody(matchingJsonPath("$.jobReference.jobId")));
    wm.verify(2, getRequestedFor(urlPathMatching(BASE + "/jobs/mlcp-.*")));
  }

  @Test
  void job_done_with_an_error_result_is_classified() {
    wm.stubFor(
        post(urlPathEqualTo(BASE + "/jobs"))
            .willReturn(
                json(
                    "{\"status\":{\"state\":\"RUNNING\"},\"configuration\":{\"query\":{\"query\":\"q\"}}}")));
    wm.stubFor(
        get(urlPathMatching(BASE + "/jobs/mlcp-.*"))
            .willReturn(
                json(
                    "{\"status\":{\"state\":\"DONE\",\"errorResult\":{\"reason\":\"invalidQuery\",\"message\":\"Syntax error: Unexpected keyword SELEC\"}},"
                        + "\"configuration\":{\"query\":{\"query\":\"q\"}}}")));

    assertThatThrownBy(() -> warehouse.query("SELEC 1", new TableId("mlcp", "x")))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT);
              assertThat(e.reason()).isEqualTo("invalidQuery");
              assertThat(e.getMessage()).contains("Syntax error");
            });
  }

  @Test
  void inserting_into_a_missing_table_creates_dataset_and_table_then_inserts() {
    String insert = BASE + "/datasets/mlcp/tables/runs/insertAll";
    wm.stubFor(
        post(urlPathEqualTo(insert))
            .inScenario("insert")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(error(404, "notFound", "Not found: Table proj:mlcp.runs"))
            .willSetStateTo("created"));
    wm.stubFor(
        post(urlPathEqualTo(insert))
            .inScenario("insert")
            .whenScenarioStateIs("created")
            .willReturn(json("{\"kind\":\"bigquery#tableDataInsertAllResponse\"}")));
    wm.stubFor(
        post(urlPathEqualTo(BASE + "/datasets"))
            .willReturn(error(409, "duplicate", "Already Exists: Dataset proj:mlcp")));
    wm.stubFor(post(urlPathEqualTo(BASE + "/datasets/mlcp/tables")).willReturn(json(RUNS_TABLE)));
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("run_id", "run-1");
    row.put("finished", Instant.parse("2026-01-02T03:04:05Z"));

    warehouse.insertRows(
        new TableId("mlcp", "runs"),
        TableSchema.of(
            Field.required("run_id", FieldType.STRING),
            Field.nullable("finished", FieldType.TIMESTAMP)),
        List.of(row));

    wm.verify(
        postRequestedFor(urlPathEqualTo(BASE + "/datasets/mlcp/tables"))
            .withRequestBody(matchingJsonPath("$.schema.fields[0].name", equalTo("run_id")))
            .withRequestBody(matchingJsonPath("$.schema.fields[0].mode", equalTo("REQUIRED"))));
    wm.verify(2, postRequestedFor(urlPathEqualTo(insert)));
    wm.verify(
        postRequestedFor(urlPathEqualTo(insert))
            .withRequestBody(matchingJsonPath("$.rows[0].insertId"))
            .withRequestBody(
                matchingJsonPath("$.rows[0].json.finished", equalTo("2026-01-02T03:04:05Z"))));
  }

  @Test
  void insert_is_retried_on_503_and_rejected_rows_are_invalid_argument() {
    String insert = BASE + "/datasets/mlcp/tables/runs/insertAll";
    wm.stubFor(
        post(urlPathEqualTo(insert))
            .inScenario("flaky")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(error(503, "backendError", "try later"))
            .willSetStateTo("ok"));
    wm.stubFor(
        post(urlPathEqualTo(insert))
            .inScenario("flaky")
            .whenScenarioStateIs("ok")
            .willReturn(
                json(
                    "{\"insertErrors\":[{\"index\":0,\"errors\":[{\"reason\":\"invalid\",\"message\":\"no such field: nope\"}]}]}")));

    assertThatThrownBy(
            () ->
                warehouse.insertRows(
                    new TableId("mlcp", "runs"), TableSchema.of(), List.of(Map.of("nope", 1))))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("no such field");
            });
    wm.verify(2, postRequestedFor(urlPathEqualTo(insert)));
  }

  @Test
  void schema_of_a_missing_table_is_not_found() {
    wm.stubFor(
        get(urlPathEqualTo(BASE + "/datasets/mlcp/tables/nope"))
            .willReturn(error(404, "notFound", "Not found: Table proj:mlcp.nope")));

    assertThatThrownBy(() -> warehouse.schema(new TableId("mlcp", "nope")))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }
}
