package dev.mlcp.platform.warehouse;

/**
 * What a query would do, without running it.
 *
 * @param bytesProcessed bytes the query would scan (billing estimate; 0 where the warehouse has no
 *     cost model)
 * @param schema the result's columns (empty for a statement that returns no rows)
 * @param statementType what kind of statement the warehouse's own parser found, in BigQuery's
 *     names: {@link #SELECT}, {@code INSERT}, {@code CREATE_TABLE}, {@code SCRIPT} (several
 *     statements), …; null when unknown
 */
public record DryRun(long bytesProcessed, TableSchema schema, String statementType) {

  /** The statement type of a single query that only reads. */
  public static final String SELECT = "SELECT";

  /** A dry run whose statement type is not known. */
  public DryRun(long bytesProcessed, TableSchema schema) {
    this(bytesProcessed, schema, null);
  }

  /** Whether the warehouse parsed exactly one SELECT statement: the query only reads. */
  public boolean isSelect() {
    return SELECT.equals(statementType);
  }
}
