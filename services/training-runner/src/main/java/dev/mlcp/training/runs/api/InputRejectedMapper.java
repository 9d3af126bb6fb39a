package dev.mlcp.training.runs.api;

import dev.mlcp.training.inputs.InputRejectedException;
import dev.mlcp.web.problem.FieldError;
import dev.mlcp.web.problem.Problem;
import dev.mlcp.web.problem.Problems;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.List;

/**
 * An input refused at submit: 400 for a bad URI or query (naming {@code spec.inputs[i]}), 403 when
 * the caller may not read it, 422 when what it names does not exist.
 */
@Provider
public class InputRejectedMapper implements ExceptionMapper<InputRejectedException> {
  @Context UriInfo uri;

  @Override
  public Response toResponse(InputRejectedException e) {
    String instance = uri == null ? null : "/" + uri.getPath();
    String detail = e.field() + ": " + e.detail();
    Problem problem =
        switch (e.reason()) {
          case FORBIDDEN -> Problems.forbidden(detail, instance);
          case NOT_FOUND ->
              new Problem(
                  Problem.type("unprocessable"),
                  "Request cannot be processed",
                  422,
                  detail,
                  instance,
                  List.of(new FieldError(e.field(), e.detail())),
                  null);
          case INVALID ->
              Problems.invalidRequest(
                  "The run spec is invalid: 1 field(s) to fix.",
                  instance,
                  List.of(new FieldError(e.field(), e.detail())));
        };
    return Problems.response(problem);
  }
}
