package dev.mlcp.registry.analytics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.events.Machine;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.gcp.GcpAdapters;
import dev.mlcp.platform.gcp.GcpSettings;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.gcp.FakeBigQuery;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's rows through both warehouse adapters: DuckDB (local mode) and the BigQuery adapter
 * against the BigQuery REST stand-in; a redelivered registration adds no row.
 */
class AnalyticsTest {
  static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  static final PriceTable PRICES = new PriceTable(Map.of("n1-standard-4", 0.19), Map.of(), 0.35);

  @TempDir Path dir;
  private WireMockServer wm;
  private FakeBigQuery fake;

  @AfterEach
  void stop() throws Exception {
    if (wm != null) {
      wm.stop();
      fake.close();
    }
  }

  private Warehouse bigQuery() throws Exception {
    fake = new FakeBigQuery();
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(fake));
    wm.start();
    wm.stubFor(
        any(urlPathMatching("/bigquery/v2/.*"))
            .willReturn(aResponse().withTransformers(FakeBigQuery.NAME)));
    return GcpAdapters.warehouse(
        new GcpSettings(
            "proj",
            "us-central1",
            null,
            null,
            null,
            null,
            wm.baseUrl(),
            "US",
            new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)),
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            true),
        Clock.systemUTC());
  }

  static RunEvent.Succeeded run(String id, String owner, boolean spot) {
    return new RunEvent.Succeeded(
        id,
        owner,
        1,
        "churn",
        "europe-docker.pkg.dev/p/r/trainer:1",
        "gs://staging/staging/" + id + "/",
        new Machine("n1-standard-4", null, 0, spot),
        new ResourceUse(3600, 3000, 1_000_000, 0),
        0.5,
        T0.minusSeconds(3600),
        T0,
        Map.of(),
        new RunProvenance(
            "pubsub",
            "//cloudbuild/p/train",
            null,
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            "europe-west4-a"));
  }

  static void registerTwice(Analytics analytics) {
    for (int delivery = 0; delivery < 2; delivery++) {
      analytics.registration(
          run("run-1", "ana@example.com", false),
          "v1",
          1,
          "gs://models/models/churn/versions/1/",
          "abc",
          42,
          2,
          T0,
          List.of(
              new Analytics.MetricPoint("accuracy", null, 0.9),
              new Analytics.MetricPoint("loss", 0, 0.8),
              new Analytics.MetricPoint("loss", 1, 0.4)));
      analytics.aliasMoves(
          "churn",
          "production",
          List.of(new Analytics.AliasMoveRow(1, null, "v1", "gate", "gate", "passed", T0)));
    }
  }

  private static void assertRowsOnce(Warehouse w, Analytics analytics) {
    assertThat(w.preview(analytics.id(Analytics.Table.RUNS), 10).rows())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.get("owner")).isEqualTo("ana@example.com");
              assertThat(r.get("cost_estimate_usd")).as("from the price table").isEqualTo(0.19);
              assertThat(r.get("requested_by")).isEqualTo("//cloudbuild/p/train");
            });
    assertThat(w.preview(analytics.id(Analytics.Table.METRICS), 10).rows()).hasSize(3);
    assertThat(w.preview(analytics.id(Analytics.Table.RESOURCE_USAGE), 10).rows()).hasSize(1);
    assertThat(w.preview(analytics.id(Analytics.Table.MODEL_VERSIONS), 10).rows()).hasSize(1);
    assertThat(w.preview(analytics.id(Analytics.Table.ALIAS_HISTORY), 10).rows()).hasSize(1);
  }

  @Test
  void rows_reach_duckdb_once_when_a_registration_is_redelivered() {
    Warehouse w = new DuckDbWarehouse(dir.resolve("w.duckdb"));
    Analytics analytics =
        new Analytics(w, "mlcp_registry", PRICES, Clock.fixed(T0, ZoneOffset.UTC));

    registerTwice(analytics);

    assertRowsOnce(w, analytics);
  }

  @Test
  void rows_reach_bigquery_once_through_the_gcp_adapter_when_a_registration_is_redelivered()
      throws Exception {
    Warehouse w = bigQuery();
    Analytics analytics =
        new Analytics(w, "mlcp_registry", PRICES, Clock.fixed(T0, ZoneOffset.UTC));

    registerTwice(analytics);

    assertRowsOnce(w, analytics);
  }

  @Test
  void spot_runs_are_priced_with_the_spot_factor_and_unknown_shapes_keep_the_runs_estimate() {
    assertThat(PRICES.estimate(new Machine("n1-standard-4", null, 0, true), 3600).getAsDouble())
        .isEqualTo(0.0665);
    assertThat(PRICES.estimate(new Machine("c3-standard-4", null, 0, false), 3600)).isEmpty();
    assertThat(PRICES.estimate(new Machine("n1-standard-4", "nvidia-tesla-t4", 1, false), 3600))
        .as("an accelerator missing from the table")
        .isEmpty();
  }

  @Test
  void the_readmes_queries_answer_cost_per_owner_per_week_and_production_on_a_date() {
    Warehouse w = new DuckDbWarehouse(dir.resolve("q.duckdb"));
    Analytics analytics =
        new Analytics(w, "mlcp_registry", PRICES, Clock.fixed(T0, ZoneOffset.UTC));
    registerTwice(analytics);
    analytics.registration(
        run("run-2", "bob@example.com", true), "v2", 2, "gs://m/", "def", 1, 1, T0, List.of());
    analytics.aliasMoves(
        "churn",
        "production",
        List.of(
            new Analytics.AliasMoveRow(
                2,
                "v1",
                "v2",
                "admin@example.com",
                "admin",
                "hotfix",
                T0.plus(Duration.ofDays(2)))));
    TableId out = new TableId("mlcp_registry", "answer");

    w.query(
        "SELECT owner, date_trunc('week', finished_at) AS week,"
            + " round(sum(cost_estimate_usd), 4) AS cost_usd"
            + " FROM (SELECT * FROM mlcp_registry.runs"
            + " QUALIFY row_number() OVER (PARTITION BY row_key ORDER BY recorded_at) = 1)"
            + " GROUP BY owner, week ORDER BY week, owner",
        out);
    assertThat(w.preview(out, 10).rows())
        .extracting(r -> r.get("owner") + "=" + r.get("cost_usd"))
        .containsExactly("ana@example.com=0.19", "bob@example.com=0.0665");

    w.query(
        "SELECT to_version FROM mlcp_registry.alias_history"
            + " WHERE model = 'churn' AND alias = 'production'"
            + " AND moved_at <= TIMESTAMP '2026-11-24 00:00:00'"
            + " ORDER BY sequence DESC LIMIT 1",
        out);
    assertThat(w.preview(out, 10).rows())
        .extracting(r -> r.get("to_version"))
        .containsExactly("v1");
  }
}
