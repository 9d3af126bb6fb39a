package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.experiments.notebooks.CapacityException;
import dev.mlcp.web.problem.Problem;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A VM Compute Engine could not make: problem+json with GCE's own reason and, for a quota, its
 * name, as RFC 9457 extension members. A quota is 429 {@code quota-exceeded} (waiting will not
 * help; a quota increase or other shapes will), a stockout in every zone 503 {@code unavailable}
 * with Retry-After.
 *
 * <pre>{"type":"urn:mlcp:problem:quota-exceeded","title":"Quota exceeded","status":429,
 *  "detail":"A Compute Engine quota (NVIDIA_L4_GPUS) does not allow …","instance":"/v1/experiments",
 *  "reason":"QUOTA_EXCEEDED","quota":"NVIDIA_L4_GPUS","zonesTried":["europe-west4-a"]}</pre>
 */
@Provider
public class CapacityProblemMapper implements ExceptionMapper<CapacityException> {
  @Context UriInfo uri;

  @Override
  public Response toResponse(CapacityException e) {
    boolean quota = e.kind() == CapacityException.Kind.QUOTA;
    int status = quota ? 429 : 503;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", Problem.type(quota ? "quota-exceeded" : "unavailable"));
    body.put("title", quota ? "Quota exceeded" : "Temporarily unavailable");
    body.put("status", status);
    body.put("detail", e.getMessage());
    if (uri != null) {
      body.put("instance", "/" + uri.getPath().replaceFirst("^/", ""));
    }
    body.put("reason", e.reason());
    if (e.quota() != null) {
      body.put("quota", e.quota());
    }
    body.put("zonesTried", e.zonesTried());
    Response.ResponseBuilder response =
        Response.status(status).type(Problem.MEDIA_TYPE).entity(body);
    if (!quota) {
      response.header("Retry-After", 300);
    }
    return response.build();
  }
}
