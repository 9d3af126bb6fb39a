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

/** DuckDB that refuses inserts while {@link #down}, like BigQuery in an outage. */
final class FlakyWarehouse implements Warehouse {
  private final DuckDbWarehouse delegate;
  volatile boolean down;

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
    check();
    delegate.insertRowsOnce(table, schemaIfMissing, rows);
  }
}
