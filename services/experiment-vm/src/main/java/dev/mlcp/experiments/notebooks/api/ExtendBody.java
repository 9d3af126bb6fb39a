package dev.mlcp.experiments.notebooks.api;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * {@code POST /v1/experiments/{name}:extend}.
 *
 * @param by how much later it expires, ISO-8601 (e.g. {@code PT2H}); the new expiry may not pass
 *     the experiment's hard deadline (created + the admin's max TTL)
 */
public record ExtendBody(@NotNull Duration by) {}
