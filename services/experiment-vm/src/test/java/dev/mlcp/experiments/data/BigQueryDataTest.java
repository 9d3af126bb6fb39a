package dev.mlcp.experiments.data;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.bigquery.BigQueryOptions;
import dev.mlcp.experiments.notebooks.NotebookFixture;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.warehouse.gcp.BigQueryWarehouse;
import dev.mlcp.platform.warehouse.gcp.FakeBigQuery;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data service over the real BigQuery adapter against the platform's BigQuery REST stand-in:
 * the statement type comes from BigQuery's dry run (INSERT is refused before any job), the bytes
 * cap holds against the dry run's estimate, a SELECT lands in the scratch dataset as bq://.
 */
class BigQueryDataTest {
  @TempDir Path dir;
  private FakeBigQuery fake;
  private WireMockServer server;
  private DataService data;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBigQuery();
    server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(fake));
    server.start();
    server.stubFor(
        any(urlPathMatching("/bigquery/v2/.*"))
            .willReturn(aResponse().withTransformers(FakeBigQuery.NAME)));
    BigQueryWarehouse warehouse =
        new BigQueryWarehouse(
            "mlcp-proj",
            "EU",
            BigQueryOptions.newBuilder()
                .setHost(server.baseUrl())
                .setProjectId("mlcp-proj")
                .setCredentials(NoCredentials.getInstance())
                .setRetrySettings(ServiceOptions.getNoRetrySettings())
                .build()
                .getService(),
            new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5))),
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            Clock.systemUTC());
    SampleDataset.loadIfMissing(warehouse, "mlcp_scratch");
    data =
        new DataService(
            warehouse,
            new LocalDirectoryObjectStore(dir.resolve("objects")),
            ObjectUri.parse("gs://state/experiment-vm"),
            NotebookFixture.JSON,
            new UlidIdGenerator(Clock.systemUTC(), new SecureRandom()),
            Clock.systemUTC(),
            new DataService.Limits(
                "mlcp-proj", "mlcp_scratch", 1_000_000, 6.25, 100, 500, 100_000));
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
    fake.close();
  }

  @Test
  void dml_is_refused_by_bigquerys_own_statement_type() {
    assertThatThrownBy(
            () -> data.query("ana@example.com", "DELETE FROM samples.customers WHERE TRUE", 10))
        .isInstanceOfSatisfying(
            NotReadOnlyException.class, e -> assertThat(e.statementType()).isEqualTo("DELETE"));
    assertThat(data.table(SampleDataset.CUSTOMERS).numRows()).isEqualTo(500);
  }

  @Test
  void a_select_within_the_cap_runs_and_one_over_it_does_not() {
    DataService.Outcome outcome =
        data.query("ana@example.com", "SELECT customer_id FROM samples.customers", 5);
    assertThat(outcome.query().destination()).startsWith("bq://mlcp-proj.mlcp_scratch.q_");
    assertThat(outcome.query().totalRows()).isEqualTo(500);
    assertThat(outcome.firstPage().rows()).hasSize(5);
    assertThat(outcome.firstPage().nextPageToken()).isNotNull();

    fake.bytesProcessed(5_000_000);
    assertThatThrownBy(
            () -> data.query("ana@example.com", "SELECT customer_id FROM samples.customers", 5))
        .isInstanceOf(BytesCapExceededException.class);
  }
}
