package dev.mlcp.platform.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Warehouse} adapter must have, starting from an empty warehouse. */
public abstract class WarehouseContract {

  /** The adapter under test. */
  protected abstract Warehouse warehouse();

  protected static final TableId RUNS = new TableId("mlcp", "runs");
  protected static final TableSchema RUNS_SCHEMA =
      TableSchema.of(
          Field.required("run_id", FieldType.STRING),
          Field.nullable("accuracy", FieldType.FLOAT64),
          Field.nullable("epochs", FieldType.INT64),
          Field.nullable("finished", FieldType.TIMESTAMP));

  protected static Map<String, Object> run(String id, double accuracy, long epochs) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("run_id", id);
    row.put("accuracy", accuracy);
    row.put("epochs", epochs);
    row.put("finished", Instant.parse("2026-01-02T03:04:05Z"));
    return row;
  }

  @Test
  void inserting_rows_creates_the_table_and_preview_returns_them() {
    warehouse().insertRows(RUNS, RUNS_SCHEMA, List.of(run("run-1", 0.9, 3), run("run-2", 0.8, 5)));

    assertThat(warehouse().listDatasets()).contains("mlcp");
    assertThat(warehouse().listTables("mlcp")).contains("runs");
    assertThat(warehouse().schema(RUNS).fields())
        .extracting(Field::name, Field::type)
        .containsExactly(
            Tuple.tuple("run_id", FieldType.STRING),
            Tuple.tuple("accuracy", FieldType.FLOAT64),
            Tuple.tuple("epochs", FieldType.INT64),
            Tuple.tuple("finished", FieldType.TIMESTAMP));
    TableRows preview = warehouse().preview(RUNS, 10);
    assertThat(preview.rows()).hasSize(2);
    assertThat(preview.rows())
        .anySatisfy(
            row -> {
              assertThat(row.get("run_id")).isEqualTo("run-1");
              assertThat(row.get("epochs")).isEqualTo(3L);
              assertThat(row.get("accuracy")).isEqualTo(0.9);
              assertThat(row.get("finished")).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
            });
  }

  @Test
  void rows_inserted_once_are_kept_once_when_the_insert_is_repeated() {
    List<KeyedRow> rows =
        List.of(
            new KeyedRow("run-1/run", run("run-1", 0.9, 3)),
            new KeyedRow("run-2/run", run("run-2", 0.8, 5)));

    warehouse().insertRowsOnce(RUNS, RUNS_SCHEMA, rows);
    warehouse().insertRowsOnce(RUNS, RUNS_SCHEMA, rows);
    warehouse()
        .insertRowsOnce(
            RUNS,
            RUNS_SCHEMA,
            List.of(
                new KeyedRow("run-2/run", run("run-2", 0.8, 5)),
                new KeyedRow("run-3/run", run("run-3", 0.7, 1))));

    assertThat(warehouse().preview(RUNS, 10).rows())
        .extracting(r -> r.get("run_id"))
        .containsExactlyInAnyOrder("run-1", "run-2", "run-3");
  }

  @Test
  void preview_is_limited_to_the_requested_rows() {
    warehouse()
        .insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 1, 1), run("b", 1, 1), run("c", 1, 1)));

    assertThat(warehouse().preview(RUNS, 2).rows()).hasSize(2);
  }

  @Test
  void query_writes_its_result_into_the_destination_table() {
    warehouse()
        .insertRows(
            RUNS, RUNS_SCHEMA, List.of(run("a", 0.5, 1), run("b", 0.95, 2), run("c", 0.97, 3)));
    TableId best = new TableId("mlcp", "best_runs");

    QueryResult result = warehouse().query(selectBest(), best);

    assertThat(result.totalRows()).isEqualTo(2);
    assertThat(warehouse().preview(best, 10).rows())
        .extracting(r -> r.get("run_id"))
        .containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void dry_run_validates_a_query_and_reports_its_columns() {
    warehouse().insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 0.5, 1)));

    DryRun dryRun = warehouse().dryRun(selectBest());

    assertThat(dryRun.bytesProcessed()).isGreaterThanOrEqualTo(0);
    assertThat(dryRun.schema().fields())
        .extracting(Field::name)
        .containsExactly("run_id", "accuracy");
  }

  @Test
  void dry_run_names_one_select_select_and_anything_else_otherwise_without_running_it() {
    warehouse().insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 0.5, 1)));

    assertThat(warehouse().dryRun(selectBest()).isSelect()).isTrue();
    assertThat(warehouse().dryRun(selectBest()).statementType()).isEqualTo(DryRun.SELECT);
    for (String sql :
        List.of(
            "INSERT INTO mlcp.runs (run_id) VALUES ('x')",
            "DELETE FROM mlcp.runs WHERE true",
            "DROP TABLE mlcp.runs",
            "CREATE TABLE mlcp.copy AS SELECT * FROM mlcp.runs",
            "SELECT 1; DROP TABLE mlcp.runs",
            "SELECT 1 AS a; SELECT 2 AS b")) {
      DryRun dryRun = warehouse().dryRun(sql);
      assertThat(dryRun.isSelect()).as(sql).isFalse();
      assertThat(dryRun.statementType()).as(sql).isNotNull().isNotEqualTo(DryRun.SELECT);
    }

    assertThat(warehouse().preview(RUNS, 10).rows()).hasSize(1);
    assertThat(warehouse().listTables("mlcp")).containsExactly("runs");
  }

  @Test
  void rows_page_through_the_whole_table_with_tokens() {
    warehouse()
        .insertRows(
            RUNS,
            RUNS_SCHEMA,
            List.of(
                run("a", 1, 1), run("b", 1, 1), run("c", 1, 1), run("d", 1, 1), run("e", 1, 1)));

    List<Object> ids = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      RowPage page = warehouse().rows(RUNS, 2, token);
      assertThat(page.rows().size()).isLessThanOrEqualTo(2);
      assertThat(page.schema().fields()).hasSize(4);
      page.rows().forEach(r -> ids.add(r.get("run_id")));
      token = page.nextPageToken();
      pages++;
    } while (token != null);

    assertThat(ids).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void describe_reports_the_schema_and_the_row_count() {
    warehouse().insertRows(RUNS, RUNS_SCHEMA, List.of(run("a", 1, 1), run("b", 1, 1)));

    TableDetails details = warehouse().describe(RUNS);

    assertThat(details.id()).isEqualTo(RUNS);
    assertThat(details.schema().fields()).extracting(Field::name).startsWith("run_id");
    assertThat(details.numRows()).isEqualTo(2);
  }

  @Test
  void schema_of_an_unknown_table_is_not_found() {
    assertThatThrownBy(() -> warehouse().schema(new TableId("mlcp", "nope")))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }

  /** A query selecting runs with accuracy above 0.9, in the adapter's SQL dialect. */
  protected String selectBest() {
    return "SELECT run_id, accuracy FROM mlcp.runs WHERE accuracy > 0.9";
  }
}
