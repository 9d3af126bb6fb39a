package dev.mlcp.training.runs.api;

import dev.mlcp.training.runs.InvalidRunSpecException;
import dev.mlcp.web.problem.FieldError;
import dev.mlcp.web.problem.Problems;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** A run spec that breaks rules: 400 problem+json listing every field at fault. */
@Provider
public class InvalidRunSpecMapper implements ExceptionMapper<InvalidRunSpecException> {
  @Context UriInfo uri;

  @Override
  public Response toResponse(InvalidRunSpecException e) {
    return Problems.response(
        Problems.invalidRequest(
            "The run spec is invalid: " + e.violations().size() + " field(s) to fix.",
            uri == null ? null : "/" + uri.getPath(),
            e.violations().stream().map(v -> new FieldError(v.field(), v.message())).toList()));
  }
}
