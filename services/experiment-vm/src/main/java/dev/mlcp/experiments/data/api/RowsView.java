package dev.mlcp.experiments.data.api;

import java.util.List;
import java.util.Map;

/**
 * Rows with their columns.
 *
 * @param schema the columns
 * @param rows the rows (column name to value)
 * @param nextPageToken pass as {@code pageToken} for more; absent on the last page
 */
public record RowsView(
    List<FieldView> schema, List<Map<String, Object>> rows, String nextPageToken) {}
