package dev.mlcp.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem detail.
 *
 * @param type URI naming the kind of problem
 * @param title short summary of the kind
 * @param status HTTP status
 * @param detail what went wrong here and what to do about it
 * @param instance the request path
 */
record Problem(String type, String title, int status, String detail, String instance) {
  static final String MEDIA_TYPE = "application/problem+json";

  /** The one problem type scheme of mlcp (libs/web uses the same). */
  private static final String TYPE_BASE = "urn:mlcp:problem:";

  static Problem of(String kind, String title, int status, String detail, String instance) {
    return new Problem(TYPE_BASE + kind, title, status, detail, instance);
  }

  Response toResponse(ObjectMapper json) {
    Response.ResponseBuilder response = Response.status(status).type(MEDIA_TYPE);
    if (status == 401) {
      response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
    try {
      return response.entity(json.writeValueAsString(this)).build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write problem detail", e);
    }
  }
}
