package dev.mlcp.platform.warehouse;

import java.util.List;

/**
 * A table's columns, in order.
 *
 * @param fields the columns
 */
public record TableSchema(List<Field> fields) {
  /** Copies the list. */
  public TableSchema {
    fields = List.copyOf(fields);
  }

  /** A schema of the given columns. */
  public static TableSchema of(Field... fields) {
    return new TableSchema(List.of(fields));
  }
}
