package dev.mlcp.platform.warehouse;

/**
 * A finished query job.
 *
 * @param destination the table holding the result
 * @param totalRows rows in the result
 */
public record QueryResult(TableId destination, long totalRows) {}
