package dev.mlcp.platform.warehouse;

import java.util.List;
import java.util.Map;

/**
 * One page of a table's rows.
 *
 * @param schema the columns
 * @param rows the rows (column name to value, types as {@link FieldType} documents)
 * @param nextPageToken token of the next page, null on the last one
 */
public record RowPage(TableSchema schema, List<Map<String, Object>> rows, String nextPageToken) {
  /** Copies the outer list. */
  public RowPage {
    rows = List.copyOf(rows);
    if (nextPageToken != null && nextPageToken.isEmpty()) {
      nextPageToken = null;
    }
  }
}
