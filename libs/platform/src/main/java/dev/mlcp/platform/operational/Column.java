package dev.mlcp.platform.operational;

/**
 * A column of a table or of a result.
 *
 * @param name column name
 * @param type Spanner type as written in DDL, e.g. {@code INT64}, {@code STRING(MAX)}, {@code
 *     ARRAY<FLOAT64>}, {@code JSON}
 * @param nullable whether NULL is allowed (always true for result columns)
 */
public record Column(String name, String type, boolean nullable) {}
