package dev.mlcp.training.inputs;

import dev.mlcp.platform.warehouse.DryRun;
import dev.mlcp.platform.warehouse.KeyedRow;
import dev.mlcp.platform.warehouse.QueryResult;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import java.util.List;
import java.util.Map;

/** A warehouse whose dry runs report {@code bytes} scanned (DuckDB has no cost model). */
final class ScanningWarehouse implements Warehouse {
  private final Warehouse inner;
  private final long bytes;

  ScanningWarehouse(Warehouse inner, long bytes) {
    this.inner = inner;
    this.bytes = bytes;
  }

  @Override
  public List<String> listDatasets() {
    return inner.listDatasets();
  }

  @Override
  public List<String> listTables(String dataset) {
    return inner.listTables(dataset);
  }

  @Override
  public TableSchema schema(TableId table) {
    return inner.schema(table);
  }

  @Override
  public TableRows preview(TableId table, int maxRows) {
    return inner.preview(table, maxRows);
  }

  @Override
  public DryRun dryRun(String sql) {
    return new DryRun(bytes, inner.dryRun(sql).schema());
  }

  @Override
  public QueryResult query(String sql, TableId destination) {
    return inner.query(sql, destination);
  }

  @Override
  public void insertRows(
      TableId table, TableSchema schemaIfMissing, List<Map<String, Object>> rows) {
    inner.insertRows(table, schemaIfMissing, rows);
  }

  @Override
  public void insertRowsOnce(TableId table, TableSchema schemaIfMissing, List<KeyedRow> rows) {
    inner.insertRowsOnce(table, schemaIfMissing, rows);
  }
}
