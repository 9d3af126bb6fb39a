package dev.mlcp.registry.models.api;

import dev.mlcp.registry.models.RegistryException;
import dev.mlcp.web.problem.FieldError;
import dev.mlcp.web.problem.Problem;
import dev.mlcp.web.problem.Problems;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** The registry's refusals as problem+json: 404, 403, 409, or 400 naming every field. */
@Provider
public class RegistryExceptionMapper implements ExceptionMapper<RegistryException> {
  @Context UriInfo uri;

  @Override
  public Response toResponse(RegistryException e) {
    String instance = uri == null ? null : "/" + uri.getPath();
    if (e instanceof RegistryException.Invalid invalid) {
      return Problems.response(
          Problems.invalidRequest(
              "The request is invalid: " + invalid.violations().size() + " field(s) to fix.",
              instance,
              invalid.violations().stream()
                  .map(v -> new FieldError(v.field(), v.message()))
                  .toList()));
    }
    String kind;
    String title;
    int status;
    if (e instanceof RegistryException.NotFound) {
      kind = "not-found";
      title = "Not found";
      status = 404;
    } else if (e instanceof RegistryException.Refused) {
      kind = "forbidden";
      title = "Forbidden";
      status = 403;
    } else {
      kind = "conflict";
      title = "Conflict";
      status = 409;
    }
    return Problems.response(
        new Problem(Problem.type(kind), title, status, e.getMessage(), instance, null, null));
  }
}
