package dev.mlcp.experiments.operational.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * {@code POST /v1/spanner/queries}: a read-only SQL or graph query.
 *
 * @param instance Spanner instance id
 * @param database database id
 * @param sql one {@code SELECT}/{@code WITH} statement or a graph query {@code GRAPH g MATCH …}
 * @param params named parameters ({@code @name} in the text): strings, integers, numbers, booleans
 * @param maxRows rows to return at most (default 100, at most 1000)
 */
public record QueryRequest(
    @NotBlank String instance,
    @NotBlank String database,
    @NotBlank @Size(max = 65536) String sql,
    @Size(max = 64) Map<String, Object> params,
    @Min(1) @Max(1000) Integer maxRows) {}
