package dev.mlcp.platform.warehouse;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A row with the key that makes its insert idempotent (BigQuery's {@code insertId}).
 *
 * @param insertId the same logical row always gets the same id, e.g. {@code <run>/metrics/<name>}
 * @param values column name to value (see {@link FieldType} for the Java types)
 */
public record KeyedRow(String insertId, Map<String, Object> values) {
  /** Requires an id of at most 128 characters (BigQuery's limit) and copies the values. */
  public KeyedRow {
    if (insertId == null || insertId.isEmpty() || insertId.length() > 128) {
      throw new IllegalArgumentException("insertId must be 1-128 characters: " + insertId);
    }
    // Values may be null (NULL columns), which Map.copyOf refuses.
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }
}
