package dev.mlcp.platform.operational;

import java.util.List;

/**
 * A table with its schema.
 *
 * @param name table name
 * @param columns the columns, in order
 * @param primaryKey the primary key's columns, in key order
 */
public record TableInfo(String name, List<Column> columns, List<String> primaryKey) {
  /** Copies the lists. */
  public TableInfo {
    columns = List.copyOf(columns);
    primaryKey = List.copyOf(primaryKey);
  }
}
