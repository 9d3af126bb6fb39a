package dev.mlcp.local;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Runs one read-only SQL query on the local warehouse (the DuckDB file that stands in for BigQuery
 * in local mode) and prints the rows as a table: what {@code bq query} is in the cloud. The file is
 * opened read-only and only for the query, so a running service keeps writing between queries;
 * while it holds the file the open is retried.
 *
 * <pre>{@code java -cp <helpers> dev.mlcp.local.WarehouseSql <warehouse.duckdb> "<sql>"}</pre>
 */
public final class WarehouseSql {
  static final int MAX_ROWS = 100;
  static final int ATTEMPTS = 50;

  private WarehouseSql() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: WarehouseSql <warehouse.duckdb> <sql>");
      System.exit(2);
    }
    System.exit(run(Path.of(args[0]), args[1], System.out, System.err));
  }

  /** Runs {@code sql} on {@code file}, printing a table to {@code out}; returns the exit status. */
  static int run(Path file, String sql, PrintStream out, PrintStream err)
      throws InterruptedException {
    if (!Files.isRegularFile(file)) {
      err.println("no warehouse at " + file + " (nothing was registered yet)");
      return 1;
    }
    Properties readOnly = new Properties();
    readOnly.setProperty("duckdb.read_only", "true");
    SQLException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try (Connection c =
              DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath(), readOnly);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(sql)) {
        print(rs, out);
        return 0;
      } catch (SQLException e) {
        last = e;
        String m = String.valueOf(e.getMessage());
        if (!m.contains("lock") && !m.contains("Conflicting")) {
          break;
        }
        Thread.sleep(100);
      }
    }
    err.println("query failed: " + (last == null ? "?" : last.getMessage()));
    return 1;
  }

  static void print(ResultSet rs, PrintStream out) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
    }
    rows.add(header);
    int count = 0;
    while (rs.next() && count < MAX_ROWS) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object v = rs.getObject(i + 1);
        row[i] = v == null ? "NULL" : v.toString();
      }
      rows.add(row);
      count++;
    }
    int[] width = new int[n];
    for (String[] row : rows) {
      for (int i = 0; i < n; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (int r = 0; r < rows.size(); r++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < n; i++) {
        line.append(i == 0 ? "" : "  ")
            .append(String.format(Locale.ROOT, "%-" + width[i] + "s", rows.get(r)[i]));
      }
      out.println(line.toString().stripTrailing());
      if (r == 0) {
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < n; i++) {
          rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        out.println(rule);
      }
    }
    out.println("(" + count + " row" + (count == 1 ? "" : "s") + ")");
  }
}
