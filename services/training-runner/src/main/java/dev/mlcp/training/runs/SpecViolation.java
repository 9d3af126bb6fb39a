package dev.mlcp.training.runs;

/**
 * One broken rule of a run spec.
 *
 * @param field JSON path of the field, e.g. {@code spec.labels.team} or {@code next[0].image}
 * @param message what is wrong and what is allowed
 */
public record SpecViolation(String field, String message) {}
