package dev.mlcp.platform.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbWarehouseTest extends WarehouseContract {

  @TempDir Path root;
  private DuckDbWarehouse warehouse;

  @BeforeEach
  void setUp() {
    warehouse = new DuckDbWarehouse(root.resolve("warehouse.duckdb"));
  }

  @Override
  protected Warehouse warehouse() {
    return warehouse;
  }

  @Test
  void rows_persist_in_the_database_file() {
    warehouse.insertRows(RUNS, RUNS_SCHEMA, List.of(run("kept", 1, 1)));

    DuckDbWarehouse reopened = new DuckDbWarehouse(root.resolve("warehouse.duckdb"));

    assertThat(reopened.preview(RUNS, 5).rows())
        .extracting(r -> r.get("run_id"))
        .containsExactly("kept");
  }

  @Test
  void caller_sql_cannot_read_files_of_this_machine() {
    warehouse.insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 1, 1)));

    assertThatThrownBy(() -> warehouse.dryRun("SELECT * FROM read_text('/etc/hostname')"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.getMessage()).contains("disabled by configuration"));
    assertThatThrownBy(
            () ->
                warehouse.query(
                    "SELECT * FROM read_text('/etc/hostname')", new TableId("mlcp", "leak")))
        .isInstanceOf(PlatformException.class);
  }

  @Test
  void query_refuses_a_script_so_its_other_statements_never_run() {
    warehouse.insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 1, 1)));

    assertThatThrownBy(
            () ->
                warehouse.query("SELECT 1 AS a; DROP TABLE mlcp.runs", new TableId("mlcp", "out")))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT));
    assertThat(warehouse.preview(RUNS, 5).rows()).hasSize(1);
  }

  @Test
  void concurrent_inserts_from_many_threads_all_land() throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<?>> inserts = new java.util.ArrayList<>();
    for (int i = 0; i < 32; i++) {
      String id = "run-" + i;
      inserts.add(
          pool.submit(
              () ->
                  warehouse.insertRowsOnce(
                      RUNS, RUNS_SCHEMA, List.of(new KeyedRow(id + "/run", run(id, 0.5, 1))))));
    }
    for (java.util.concurrent.Future<?> f : inserts) {
      f.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(warehouse.preview(RUNS, 100).rows()).hasSize(32);
  }

  @Test
  void an_invalid_query_is_an_invalid_argument() {
    assertThatThrownBy(() -> warehouse.dryRun("SELEC nothing"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT));
  }
}
