package dev.mlcp.serving.rollouts.api;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * {@code PUT /v1/services/{s}/traffic}: revision → percent, summing to 100.
 *
 * @param percents the split
 */
public record TrafficRequest(@NotEmpty @Size(max = 20) Map<String, Integer> percents) {}
