package dev.mlcp.platform.bench;

import com.google.cloud.NoCredentials;
import com.google.cloud.spanner.DatabaseClient;
import com.google.cloud.spanner.DatabaseId;
import com.google.cloud.spanner.Mutation;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerOptions;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.SqlStatement;
import dev.mlcp.platform.operational.gcp.SpannerOperationalData;
import dev.mlcp.testing.SpannerEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read and export figures for the data path, not part of the default build:
 *
 * <pre>
 * ./mvnw -B -ntp -pl libs/platform -Pbench test -Dtest=OperationalReadBenchmark
 * ./mvnw -B -ntp -pl libs/platform -Pbench test -Dtest=OperationalReadBenchmark -Dbench.rows=1000000 -Dbench.export.rows=10000000
 * </pre>
 *
 * Prints {@code BENCH} lines: {@code bench.rows} rows read from the Spanner emulator through {@link
 * SpannerOperationalData#stream} (rows/s), and {@code bench.export.rows} rows exported by DuckDB
 * (local mode's warehouse) to Parquet (seconds, bytes).
 */
@Tag("bench")
class OperationalReadBenchmark {
  private static final int ROWS = Integer.getInteger("bench.rows", 1_000_000);
  private static final long EXPORT_ROWS = Long.getLong("bench.export.rows", 10_000_000);

  @TempDir Path dir;

  @Test
  void spanner_emulator_read() {
    try (SpannerEmulator emulator = SpannerEmulator.start()) {
      emulator.createDatabase(
          "bench-inst",
          "bench",
          List.of(
              "CREATE TABLE events (id INT64 NOT NULL, user_id INT64, amount FLOAT64,"
                  + " kind STRING(16)) PRIMARY KEY (id)"));
      long loadStart = System.nanoTime();
      try (Spanner spanner =
          SpannerOptions.newBuilder()
              .setProjectId(emulator.projectId())
              .setEmulatorHost(emulator.grpcHostPort())
              .setCredentials(NoCredentials.getInstance())
              .build()
              .getService()) {
        DatabaseClient client =
            spanner.getDatabaseClient(DatabaseId.of(emulator.projectId(), "bench-inst", "bench"));
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
          batch.add(
              Mutation.newInsertBuilder("events")
                  .set("id")
                  .to(i)
                  .set("user_id")
                  .to(i % 5000)
                  .set("amount")
                  .to(i * 0.01)
                  .set("kind")
                  .to(i % 3 == 0 ? "view" : "buy")
                  .build());
          if (batch.size() == 10_000) {
            client.write(batch);
            batch.clear();
          }
        }
        if (!batch.isEmpty()) {
          client.write(batch);
        }
      }
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      try (SpannerOperationalData data =
          SpannerOperationalData.onEmulator(
              emulator.grpcHostPort(),
              new SpannerOperationalData.Settings(
                  emulator.projectId(), List.of("bench-inst"), Duration.ofSeconds(1), 0, 4))) {
        AtomicLong sum = new AtomicLong();
        long started = System.nanoTime();
        long n =
            data.stream(
                new DatabaseRef("bench-inst", "bench"),
                SqlStatement.of("SELECT id, user_id, amount, kind FROM events"),
                row -> sum.addAndGet((Long) row.get(0)));
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
            "BENCH spanner.emulator.read rows=%d seconds=%.2f rows_s=%.0f load_seconds=%.1f%n",
            n, seconds, n / seconds, loadSeconds);
      }
    }
  }

  @Test
  void duckdb_export_to_parquet() throws Exception {
    Path file = dir.resolve("export.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("w.duckdb"));
        Statement st = c.createStatement()) {
      long started = System.nanoTime();
      st.execute(
          "COPY (SELECT i AS id, i % 5000 AS user_id, i * 0.01 AS amount,"
              + " CASE WHEN i % 3 = 0 THEN 'view' ELSE 'buy' END AS kind FROM range("
              + EXPORT_ROWS
              + ") t(i)) TO '"
              + file
              + "' (FORMAT PARQUET)");
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf(
          "BENCH duckdb.export.parquet rows=%d seconds=%.2f bytes=%d%n",
          EXPORT_ROWS, seconds, Files.size(file));
    }
  }
}
