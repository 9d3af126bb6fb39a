package dev.mlcp.registry.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestsTest {

  @TempDir Path dir;

  @Test
  void a_bigquery_input_gets_the_export_job_the_agent_named_after_the_run_attempt_and_position() {
    assertThat(Manifests.bigQueryJobId("run-01hx", 2, 3)).isEqualTo("mlcp-run-01hx-a2-in3");
    // BigQuery job ids allow letters, digits, - and _ only: as the agent, anything else becomes _.
    assertThat(Manifests.bigQueryJobId("run.x:y", 1, 0)).isEqualTo("mlcp-run_x_y-a1-in0");
  }

  @Test
  void a_query_input_is_bigquery_without_a_table_and_a_table_input_names_its_table() {
    RegistrySettings settings = new RegistryFixture(dir).settings;
    Manifest.Input query =
        Manifests.input("bq://mlcp-data?query=SELECT 1", settings, "mlcp-run-a1-in0");
    assertThat(query.kind()).isEqualTo("bigquery");
    assertThat(query.table()).isNull();
    assertThat(query.bigqueryJobId()).isEqualTo("mlcp-run-a1-in0");

    Manifest.Input table = Manifests.input("bq://mlcp-data.sales.orders", settings, "j");
    assertThat(table.table()).isEqualTo("mlcp-data.sales.orders");

    Manifest.Input gcs = Manifests.input("gs://data/train.csv", settings, "ignored");
    assertThat(gcs.kind()).isEqualTo("gcs");
    assertThat(gcs.bigqueryJobId()).isNull();
  }
}
