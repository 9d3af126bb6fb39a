package dev.mlcp.platform.warehouse;

/**
 * A column.
 *
 * @param name column name
 * @param type column type
 * @param required whether NULL is rejected
 */
public record Field(String name, FieldType type, boolean required) {

  /** Validates the name so it can be quoted into SQL. */
  public Field {
    if (!TableId.isValidName(name)) {
      throw new IllegalArgumentException("invalid column name: " + name);
    }
  }

  /** A nullable column. */
  public static Field nullable(String name, FieldType type) {
    return new Field(name, type, false);
  }

  /** A NOT NULL column. */
  public static Field required(String name, FieldType type) {
    return new Field(name, type, true);
  }
}
