package dev.mlcp.platform.warehouse;

import java.util.List;
import java.util.Map;

/**
 * Rows with their schema; each row maps column name to a value of the Java type documented on
 * {@link FieldType} (null for NULL).
 *
 * @param schema the columns
 * @param rows the rows, in the order the warehouse returned them
 */
public record TableRows(TableSchema schema, List<Map<String, Object>> rows) {
  /** Copies the outer list (rows may contain nulls, so they are kept as given). */
  public TableRows {
    rows = List.copyOf(rows);
  }
}
