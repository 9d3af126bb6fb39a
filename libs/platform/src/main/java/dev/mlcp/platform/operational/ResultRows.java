package dev.mlcp.platform.operational;

import java.util.List;

/**
 * Rows of a preview or a query, with their columns. Values are JSON-friendly: INT64 {@link Long},
 * FLOAT64 {@link Double}, BOOL {@link Boolean}, STRING, JSON, NUMERIC, DATE and TIMESTAMP (RFC
 * 3339) {@link String}, BYTES base64 {@link String}, ARRAY {@link List}, STRUCT {@link
 * java.util.Map}; null for NULL.
 *
 * @param columns the result's columns
 * @param rows the rows, each in column order
 * @param truncated whether more rows existed than were returned
 */
public record ResultRows(List<Column> columns, List<List<Object>> rows, boolean truncated) {
  /** Copies the outer lists (rows may hold nulls, so each row is kept as given). */
  public ResultRows {
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
  }
}
