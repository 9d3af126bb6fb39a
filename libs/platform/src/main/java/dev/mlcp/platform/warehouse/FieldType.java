package dev.mlcp.platform.warehouse;

/**
 * Column types (BigQuery standard SQL names) and the Java type a row value has: INT64 {@link Long},
 * FLOAT64 {@link Double}, BOOL {@link Boolean}, STRING and JSON {@link String}, TIMESTAMP {@link
 * java.time.Instant}, DATE {@link java.time.LocalDate}, NUMERIC {@link java.math.BigDecimal}, BYTES
 * {@code byte[]}.
 */
public enum FieldType {
  /** 64-bit integer. */
  INT64,
  /** Double precision float. */
  FLOAT64,
  /** Boolean. */
  BOOL,
  /** Unicode text. */
  STRING,
  /** Point in time, microsecond precision. */
  TIMESTAMP,
  /** Calendar date. */
  DATE,
  /** Exact decimal. */
  NUMERIC,
  /** Binary. */
  BYTES,
  /** JSON text. */
  JSON
}
