package dev.mlcp.platform.warehouse;

import java.time.Instant;

/**
 * A table's metadata, read without querying it.
 *
 * @param id the table
 * @param schema its columns
 * @param numRows rows in the table; null when the warehouse does not say
 * @param numBytes logical size in bytes; null when the warehouse does not say
 * @param created creation time; null when unknown
 */
public record TableDetails(
    TableId id, TableSchema schema, Long numRows, Long numBytes, Instant created) {}
