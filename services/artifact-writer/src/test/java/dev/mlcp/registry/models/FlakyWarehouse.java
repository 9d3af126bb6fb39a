package dev.mlcp.registry.models;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.warehouse.DryRun;
import dev.mlcp.platform.warehouse.KeyedRow;
import dev.mlcp.platform.warehouse.QueryResult;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DuckDB that refuses inserts while {@link #down}, like BigQuery in an outage; that inserts and
 * then fails while {@link #loseReplies} (the rows are in, the caller never hears so: a crash
 * between the insert and what follows it); that refuses a whole insert holding a row whose key
 * starts with {@link #refuse} (an invalid row: BigQuery fails the request); and counts insert
 * requests.
 */
final class FlakyWarehouse implements Warehouse {
  private final DuckDbWarehouse delegate;
  volatile boolean down;
  volatile boolean loseReplies;
  volatile String refuse;
  final AtomicInteger inserts = new AtomicInteger();

  FlakyWarehouse(Path file) {
    delegate = new DuckDbWarehouse(file);
  }

  private void check() {
    if (down) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "backendError", "BigQuery is down (test)");
    }
  }

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
    return delegate.dryRun(sql);
  }

  @Override
  public QueryResult query(String sql, TableId destination) {
    return delegate.query(sql, destination);
  }

  @Override
  public void insertRows(
      TableId table, TableSchema schemaIfMissing, List<Map<String, Object>> rows) {
    check();
    delegate.insertRows(table, schemaIfMissing, rows);
  }

  @Override
  public void insertRowsOnce(TableId table, TableSchema schemaIfMissing, List<KeyedRow> rows) {
    inserts.incrementAndGet();
    check();
    String refused = refuse;
    if (refused != null && rows.stream().anyMatch(r -> r.insertId().startsWith(refused))) {
      throw new PlatformException(
          PlatformException.Kind.INVALID_ARGUMENT, "invalid", "a row of " + refused + " (test)");
    }
    delegate.insertRowsOnce(table, schemaIfMissing, rows);
    if (loseReplies) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "backendError", "reply lost after the insert (test)");
    }
  }

  /** How many rows {@code table} holds; 0 when it does not exist yet. */
  int count(String table) {
    try {
      return delegate.preview(new TableId("mlcp_registry", table), 100_000).rows().size();
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return 0;
      }
      throw e;
    }
  }
}
