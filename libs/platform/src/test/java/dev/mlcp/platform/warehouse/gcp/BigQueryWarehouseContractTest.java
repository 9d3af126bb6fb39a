package dev.mlcp.platform.warehouse.gcp;

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
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.WarehouseContract;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Warehouse contract on the BigQuery adapter, against a stateful BigQuery REST stand-in. */
class BigQueryWarehouseContractTest extends WarehouseContract {

  private FakeBigQuery fake;
  private WireMockServer wm;
  private BigQueryWarehouse warehouse;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBigQuery();
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(fake));
    wm.start();
    wm.stubFor(
        any(urlPathMatching("/bigquery/v2/.*"))
            .willReturn(aResponse().withTransformers(FakeBigQuery.NAME)));
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
            new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5))),
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    wm.stop();
    fake.close();
  }

  @Override
  protected Warehouse warehouse() {
    return warehouse;
  }

  @Test
  void a_query_over_its_bytes_cap_fails_in_the_job_and_leaves_no_table() {
    warehouse.insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 0.95, 1)));
    fake.bytesProcessed(50_000_000);

    assertThatThrownBy(() -> warehouse.query(selectBest(), new TableId("mlcp", "big"), 1_000_000))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.reason()).isEqualTo("bytesBilledLimitExceeded"));
    assertThat(warehouse.listTables("mlcp")).doesNotContain("big");
    assertThat(warehouse.dryRun(selectBest()).bytesProcessed()).isEqualTo(50_000_000);
    assertThat(warehouse.describe(RUNS).numBytes()).isPositive();
  }
}
