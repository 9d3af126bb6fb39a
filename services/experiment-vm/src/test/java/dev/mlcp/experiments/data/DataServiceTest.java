package dev.mlcp.experiments.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.experiments.notebooks.NotebookFixture;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.warehouse.DryRun;
import dev.mlcp.platform.warehouse.KeyedRow;
import dev.mlcp.platform.warehouse.QueryResult;
import dev.mlcp.platform.warehouse.RowPage;
import dev.mlcp.platform.warehouse.TableDetails;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BigQuery discovery over the local warehouse (DuckDB) with the sample dataset: browsing, previews
 * within their bound, read-only queries into the scratch dataset, DDL, DML and scripts refused by
 * the dry run's statement type, the bytes cap.
 */
class DataServiceTest {
  @TempDir Path dir;
  private DuckDbWarehouse warehouse;
  private DataService data;

  @BeforeEach
  void setUp() {
    warehouse = new DuckDbWarehouse(dir.resolve("warehouse.duckdb"));
    SampleDataset.loadIfMissing(warehouse, "mlcp_scratch");
    data = service(warehouse, 10L * 1024 * 1024 * 1024);
  }

  private DataService service(Warehouse w, long cap) {
    return new DataService(
        w,
        new LocalDirectoryObjectStore(dir.resolve("objects")),
        ObjectUri.parse("gs://state/experiment-vm"),
        NotebookFixture.JSON,
        new UlidIdGenerator(Clock.systemUTC(), new SecureRandom()),
        Clock.systemUTC(),
        new DataService.Limits("mlcp-local", "mlcp_scratch", cap, 6.25, 100, 500, 100_000));
  }

  @Test
  void the_sample_dataset_is_browsable_with_rows_and_schema() {
    assertThat(data.datasets()).contains("samples", "mlcp_scratch");
    assertThat(data.tables("samples")).containsExactly("customers");
    TableDetails customers = data.table(SampleDataset.CUSTOMERS);
    assertThat(customers.numRows()).isEqualTo(500);
    assertThat(customers.schema().fields()).hasSize(7);
    assertThat(SampleDataset.loadIfMissing(warehouse, "mlcp_scratch")).isFalse();
  }

  @Test
  void a_preview_is_bounded() {
    TableRows rows = data.preview(SampleDataset.CUSTOMERS, 5);

    assertThat(rows.rows()).hasSize(5);
    assertThatThrownBy(() -> data.preview(SampleDataset.CUSTOMERS, 101))
        .isInstanceOfSatisfying(
            InvalidQueryException.class, e -> assertThat(e.field()).isEqualTo("limit"));
    assertThatThrownBy(() -> data.preview(SampleDataset.CUSTOMERS, 0))
        .isInstanceOf(InvalidQueryException.class);
  }

  @Test
  void a_select_runs_into_a_scratch_table_usable_as_a_training_input_and_pages() {
    DataService.Outcome outcome =
        data.query(
            "ana@example.com",
            "SELECT customer_id, plan, churned FROM samples.customers WHERE support_calls >= 5",
            10);

    QueryRecord q = outcome.query();
    assertThat(q.destination()).matches("bq://mlcp-local\\.mlcp_scratch\\.q_[0-9a-z]{26}");
    assertThat(q.totalRows()).isPositive();
    assertThat(outcome.firstPage().rows()).hasSize(10);
    assertThat(data.find(q.id())).get().extracting(QueryRecord::owner).isEqualTo("ana@example.com");
    List<Object> ids = new ArrayList<>();
    String token = null;
    do {
      RowPage page = data.results(q, 25, token);
      page.rows().forEach(r -> ids.add(r.get("customer_id")));
      token = page.nextPageToken();
    } while (token != null);
    assertThat(ids).hasSize((int) q.totalRows()).doesNotHaveDuplicates();
  }

  @Test
  void ddl_dml_and_scripts_are_refused_by_the_dry_runs_statement_type_and_change_nothing() {
    for (String sql :
        List.of(
            "DELETE FROM samples.customers WHERE true",
            "INSERT INTO samples.customers (customer_id) VALUES (9999)",
            "DROP TABLE samples.customers",
            "CREATE TABLE samples.copy AS SELECT * FROM samples.customers",
            "SELECT 1; DROP TABLE samples.customers",
            // A comment does not fool the parser: this is still two statements.
            "SELECT 1 -- harmless\n; DELETE FROM samples.customers")) {
      assertThatThrownBy(() -> data.query("ana@example.com", sql, 10))
          .as(sql)
          .isInstanceOfSatisfying(
              NotReadOnlyException.class,
              e -> assertThat(e.statementType()).isNotEqualTo(DryRun.SELECT));
      assertThat(data.dryRun(sql).readOnly()).as(sql).isFalse();
    }

    assertThat(data.table(SampleDataset.CUSTOMERS).numRows()).isEqualTo(500);
    assertThat(data.tables("samples")).containsExactly("customers");
  }

  @Test
  void a_query_over_the_bytes_cap_is_refused_before_it_runs() {
    Warehouse expensive = new Expensive(warehouse, 50L * 1024 * 1024 * 1024);
    DataService capped = service(expensive, 10L * 1024 * 1024 * 1024);

    DataService.Estimate estimate = capped.dryRun("SELECT * FROM samples.customers");

    assertThat(estimate.withinCap()).isFalse();
    assertThat(estimate.estimatedCostUsd()).isEqualTo(0.305176);
    assertThatThrownBy(() -> capped.query("ana@example.com", "SELECT * FROM samples.customers", 10))
        .isInstanceOf(BytesCapExceededException.class)
        .hasMessageContaining("mlcp.experiments.warehouse.max-bytes-billed")
        .hasMessageContaining("53687091200");
  }

  @Test
  void invalid_sql_is_a_bad_request_naming_sql() {
    assertThatThrownBy(() -> data.dryRun("SELEC nothing"))
        .isInstanceOfSatisfying(
            InvalidQueryException.class, e -> assertThat(e.field()).isEqualTo("sql"));
    assertThatThrownBy(() -> data.dryRun("SELECT * FROM samples.nope"))
        .isInstanceOf(InvalidQueryException.class);
    assertThatThrownBy(() -> data.dryRun(" ")).isInstanceOf(InvalidQueryException.class);
  }

  /** A warehouse whose dry runs scan a lot, as BigQuery's would on a big table. */
  private record Expensive(Warehouse delegate, long bytes) implements Warehouse {
    @Override
    public List<String> listDatasets() {
      return delegate.listDatasets();
    }

    @Override
    public List<String> listTables(String dataset) {
      return delegate.listTables(dataset);
    }

    @Override
    public TableSchema schema(TableId table) {
      return delegate.schema(table);
    }

    @Override
    public TableRows preview(TableId table, int maxRows) {
      return delegate.preview(table, maxRows);
    }

    @Override
    public DryRun dryRun(String sql) {
      DryRun real = delegate.dryRun(sql);
      return new DryRun(bytes, real.schema(), real.statementType());
    }

    @Override
    public QueryResult query(String sql, TableId destination) {
      return delegate.query(sql, destination);
    }

    @Override
    public void insertRows(
        TableId table, TableSchema schemaIfMissing, List<Map<String, Object>> rows) {
      delegate.insertRows(table, schemaIfMissing, rows);
    }

    @Override
    public void insertRowsOnce(TableId table, TableSchema schemaIfMissing, List<KeyedRow> rows) {
      delegate.insertRowsOnce(table, schemaIfMissing, rows);
    }
  }
}
