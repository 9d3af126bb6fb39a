package dev.mlcp.platform.warehouse;

/**
 * What a query would do, without running it.
 *
 * @param bytesProcessed bytes the query would scan (billing estimate; 0 where the warehouse has no
 *     cost model)
 * @param schema the result's columns
 */
public record DryRun(long bytesProcessed, TableSchema schema) {}
