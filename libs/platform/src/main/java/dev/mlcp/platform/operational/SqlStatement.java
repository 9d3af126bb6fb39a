package dev.mlcp.platform.operational;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A read-only statement with named parameters ({@code @name} in the text): GoogleSQL or a graph
 * query ({@code GRAPH g MATCH ...}).
 *
 * @param sql the text
 * @param params parameter values by name: {@link String}, {@link Long}/{@link Integer}, {@link
 *     Double}, {@link Boolean} or null
 */
public record SqlStatement(String sql, Map<String, Object> params) {
  /** Longest statement accepted (Spanner's own limit is 1 MiB; nobody needs that here). */
  public static final int MAX_LENGTH = 64 * 1024;

  /** At most this many parameters. */
  public static final int MAX_PARAMS = 64;

  private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  /** Validates the text's size and the parameters' names and types. */
  public SqlStatement {
    if (sql == null || sql.isBlank()) {
      throw new IllegalArgumentException("the statement is empty");
    }
    if (sql.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("the statement is longer than " + MAX_LENGTH + " chars");
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    if (params != null) {
      if (params.size() > MAX_PARAMS) {
        throw new IllegalArgumentException("at most " + MAX_PARAMS + " parameters");
      }
      for (Map.Entry<String, Object> e : params.entrySet()) {
        if (e.getKey() == null || !PARAM.matcher(e.getKey()).matches()) {
          throw new IllegalArgumentException("invalid parameter name: " + e.getKey());
        }
        Object v = e.getValue();
        if (v instanceof Integer i) {
          v = i.longValue();
        }
        if (v != null
            && !(v instanceof String || v instanceof Long || v instanceof Double)
            && !(v instanceof Boolean)) {
          throw new IllegalArgumentException(
              "parameter "
                  + e.getKey()
                  + " must be a string, an integer, a number, a boolean or null");
        }
        copy.put(e.getKey(), v);
      }
    }
    params = Collections.unmodifiableMap(copy);
  }

  /** A statement without parameters. */
  public static SqlStatement of(String sql) {
    return new SqlStatement(sql, Map.of());
  }

  /** Whether this is a graph query (GQL, {@code GRAPH name MATCH ...}). */
  public boolean isGraph() {
    return ReadOnlySql.firstKeyword(sql).equals("GRAPH");
  }
}
