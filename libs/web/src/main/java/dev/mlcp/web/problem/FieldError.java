package dev.mlcp.web.problem;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One invalid request value: its JSON path ({@code spec.labels}) and what is wrong with it. */
// Serialized by ProblemRoutes outside JAX-RS, so native images need it registered.
@RegisterForReflection
public record FieldError(String field, String message) {}
