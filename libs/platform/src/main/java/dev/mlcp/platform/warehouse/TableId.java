package dev.mlcp.platform.warehouse;

import java.util.regex.Pattern;

/**
 * A table: dataset and table name (BigQuery naming rules; letters, digits, underscore).
 *
 * @param dataset dataset (schema) name
 * @param table table name
 */
public record TableId(String dataset, String table) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,1023}");

  /** Validates both names so they can be quoted safely into SQL. */
  public TableId {
    if (dataset == null || !NAME.matcher(dataset).matches()) {
      throw new IllegalArgumentException("invalid dataset name: " + dataset);
    }
    if (table == null || !NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("invalid table name: " + table);
    }
  }

  /** Whether {@code name} is a valid dataset or table name. */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  @Override
  public String toString() {
    return dataset + "." + table;
  }
}
