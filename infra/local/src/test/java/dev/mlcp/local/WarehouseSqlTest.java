package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarehouseSqlTest {
  @TempDir Path dir;

  @Test
  void a_query_prints_its_rows_as_an_aligned_table() throws Exception {
    Path file = dir.resolve("warehouse.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file);
        Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA mlcp_registry");
      st.execute("CREATE TABLE mlcp_registry.runs (owner VARCHAR, cost DOUBLE)");
      st.execute("INSERT INTO mlcp_registry.runs VALUES ('demo@mlcp.local', 0.25), (NULL, 1.5)");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int status =
        WarehouseSql.run(
            file,
            "SELECT owner, cost FROM mlcp_registry.runs ORDER BY cost",
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err);

    assertThat(status).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "owner            cost\n"
                + "---------------  ----\n"
                + "demo@mlcp.local  0.25\n"
                + "NULL             1.5\n"
                + "(2 rows)\n");
  }

  @Test
  void a_missing_warehouse_or_a_bad_query_fails_with_a_message() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

    assertThat(WarehouseSql.run(dir.resolve("none.duckdb"), "SELECT 1", System.out, e))
        .isEqualTo(1);
    Path file = dir.resolve("w.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file)) {
      c.createStatement().execute("CREATE TABLE t (x INT)");
    }
    assertThat(WarehouseSql.run(file, "SELEC nope", System.out, e)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("no warehouse")
        .contains("query failed");
  }
}
