package dev.mlcp.platform.warehouse;

import java.util.List;
import java.util.Map;

/**
 * Analytical tables (BigQuery semantics): browse datasets and tables, preview rows, estimate and
 * run queries into tables, append rows. Failures are {@link dev.mlcp.platform.PlatformException}s
 * (NOT_FOUND for unknown tables, INVALID_ARGUMENT for a bad query).
 */
public interface Warehouse extends AutoCloseable {

  /** Dataset names, sorted. */
  List<String> listDatasets();

  /** Table names of a dataset, sorted. */
  List<String> listTables(String dataset);

  /** The table's columns. */
  TableSchema schema(TableId table);

  /** Up to {@code maxRows} rows of the table, without running a query. */
  TableRows preview(TableId table, int maxRows);

  /** Validates a query and estimates what it would scan. */
  DryRun dryRun(String sql);

  /**
   * Runs a query, replacing the content of {@code destination} with the result (the dataset must
   * exist; the table is created).
   */
  QueryResult query(String sql, TableId destination);

  /**
   * Appends rows, creating the dataset and table with {@code schemaIfMissing} when absent.
   *
   * @param table target table
   * @param schemaIfMissing schema used only when the table has to be created
   * @param rows rows as column name to value
   */
  void insertRows(TableId table, TableSchema schemaIfMissing, List<Map<String, Object>> rows);

  /**
   * Appends rows at most once per {@link KeyedRow#insertId()}, creating the dataset and table with
   * {@code schemaIfMissing} when absent, so a retried or redelivered insert adds nothing. BigQuery
   * de-duplicates insertIds on a best-effort basis for about a minute, so writers that may retry
   * later also store the key in a column and queries keep one row per key; the local warehouse
   * remembers every id.
   *
   * @param table target table
   * @param schemaIfMissing schema used only when the table has to be created
   * @param rows rows with their insert ids
   */
  void insertRowsOnce(TableId table, TableSchema schemaIfMissing, List<KeyedRow> rows);

  /** Releases clients and files; the default does nothing. */
  @Override
  default void close() {}
}
