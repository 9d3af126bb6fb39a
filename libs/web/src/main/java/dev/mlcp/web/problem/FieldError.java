package dev.mlcp.web.problem;

/** One invalid request value: its JSON path ({@code spec.labels}) and what is wrong with it. */
public record FieldError(String field, String message) {}
