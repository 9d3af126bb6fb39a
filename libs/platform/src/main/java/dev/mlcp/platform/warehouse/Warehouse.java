package dev.mlcp.platform.warehouse;

import dev.mlcp.platform.PlatformException;
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

  /**
   * The table's schema, row count, size and creation time, from its metadata (no query). The
   * default knows only the schema; adapters fill in what their warehouse reports.
   */
  default TableDetails describe(TableId table) {
    return new TableDetails(table, schema(table), null, null, null);
  }

  /**
   * One page of the table's rows, read without running a query (BigQuery {@code tabledata.list}: no
   * query cost). The default reads {@code offset + pageSize} rows with {@link #preview} and keeps
   * the last page; adapters page natively.
   *
   * @param pageToken null for the first page, else the previous page's token
   */
  default RowPage rows(TableId table, int pageSize, String pageToken) {
    int offset;
    try {
      offset = pageToken == null ? 0 : Integer.parseInt(pageToken);
    } catch (NumberFormatException e) {
      throw PlatformException.invalid("not a page token of " + table);
    }
    TableRows read = preview(table, offset + pageSize + 1);
    List<Map<String, Object>> rows = read.rows();
    List<Map<String, Object>> page =
        rows.subList(Math.min(offset, rows.size()), Math.min(offset + pageSize, rows.size()));
    String next = rows.size() > offset + pageSize ? Integer.toString(offset + pageSize) : null;
    return new RowPage(read.schema(), page, next);
  }

  /**
   * Validates a query and estimates what it would scan; the warehouse's parser names the statement
   * type, so a caller can tell a read-only query from DML, DDL or a script without guessing.
   */
  DryRun dryRun(String sql);

  /**
   * Runs a query (one SELECT), replacing the content of {@code destination} with the result (the
   * dataset must exist; the table is created).
   */
  QueryResult query(String sql, TableId destination);

  /**
   * As {@link #query(String, TableId)}, refused when it would bill more than {@code maxBytesBilled}
   * bytes (BigQuery enforces it in the job itself; the default checks the dry run's estimate
   * first).
   *
   * @throws PlatformException INVALID_ARGUMENT with reason {@code bytesBilledLimitExceeded}
   */
  default QueryResult query(String sql, TableId destination, long maxBytesBilled) {
    DryRun estimate = dryRun(sql);
    if (estimate.bytesProcessed() > maxBytesBilled) {
      throw new PlatformException(
          PlatformException.Kind.INVALID_ARGUMENT,
          "bytesBilledLimitExceeded",
          "the query would process "
              + estimate.bytesProcessed()
              + " bytes, more than the limit of "
              + maxBytesBilled);
    }
    return query(sql, destination);
  }

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
