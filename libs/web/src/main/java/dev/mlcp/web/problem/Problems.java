package dev.mlcp.web.problem;

import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** Builds problem bodies and responses; shared by the JAX-RS mappers and the Vert.x handlers. */
public final class Problems {

  /** Detail of every 500: nothing about the cause leaves the server. */
  public static final String INTERNAL_DETAIL =
      "An unexpected error occurred. Quote the correlationId when reporting it.";

  private Problems() {}

  /** A problem of the generic kind for an HTTP status ({@code about:blank}, reason as title). */
  public static Problem forStatus(int status, String detail, String instance) {
    return new Problem(Problem.ABOUT_BLANK, reason(status), status, detail, instance, null, null);
  }

  /** The 400 for invalid fields. */
  public static Problem invalidRequest(String detail, String instance, List<FieldError> errors) {
    return new Problem(
        Problem.type("invalid-request"), "Invalid request", 400, detail, instance, errors, null);
  }

  /** The 401 for a missing, expired or otherwise invalid bearer token. */
  public static Problem unauthenticated(String instance) {
    return new Problem(
        Problem.type("unauthenticated"),
        "Unauthenticated",
        401,
        "A valid bearer token (a Google ID token for this service's audience) is required.",
        instance,
        null,
        null);
  }

  /** The 403 for an authenticated caller who may not do this. */
  public static Problem forbidden(String detail, String instance) {
    return new Problem(
        Problem.type("forbidden"),
        "Forbidden",
        403,
        detail == null ? "You are not allowed to do this." : detail,
        instance,
        null,
        null);
  }

  /** The 500 carrying only a correlation id. */
  public static Problem internal(String instance, String correlationId) {
    return new Problem(
        Problem.type("internal"),
        "Internal error",
        500,
        INTERNAL_DETAIL,
        instance,
        null,
        correlationId);
  }

  /** A JAX-RS response with the problem as body and the problem media type. */
  public static Response response(Problem problem) {
    return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
  }

  /** As {@link #response(Problem)} with a {@code Retry-After} in whole seconds (at least 1). */
  public static Response response(Problem problem, Duration retryAfter) {
    return Response.status(problem.status())
        .type(Problem.MEDIA_TYPE)
        .header("Retry-After", Math.max(1, retryAfter.toSeconds()))
        .entity(problem)
        .build();
  }

  /**
   * The id that ties a 500 body to its log entry: the Cloud trace id when the request carries one
   * (so the log line and the request trace meet in Cloud Logging), otherwise a fresh random id.
   */
  public static String correlationId(Function<String, String> header) {
    String traceparent = header.apply("traceparent");
    if (traceparent != null) {
      String[] parts = traceparent.split("-");
      if (parts.length >= 3 && parts[1].matches("[0-9a-f]{32}")) {
        return parts[1];
      }
    }
    String cloudTrace = header.apply("X-Cloud-Trace-Context");
    if (cloudTrace != null) {
      String id = cloudTrace.split("[/;]", 2)[0];
      if (id.matches("[0-9a-fA-F]{32}")) {
        return id.toLowerCase(Locale.ROOT);
      }
    }
    return UUID.randomUUID().toString();
  }

  /** The HTTP reason phrase, used as title of {@code about:blank} problems. */
  public static String reason(int status) {
    String known = REASONS.get(status);
    if (known != null) {
      return known;
    }
    Response.Status standard = Response.Status.fromStatusCode(status);
    return standard != null ? standard.getReasonPhrase() : "HTTP " + status;
  }

  private static final Map<Integer, String> REASONS =
      Map.of(
          405, "Method Not Allowed",
          413, "Content Too Large",
          415, "Unsupported Media Type",
          422, "Unprocessable Content",
          429, "Too Many Requests");
}
