package dev.mlcp.platform.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.client.http.HttpResponseException;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.BaseServiceException;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.PlatformException.Kind;
import dev.mlcp.platform.internal.Json;
import java.io.IOException;
import java.util.Locale;

/**
 * Translates Google client errors and Compute operation errors into {@link PlatformException}s.
 * Quota and stockout are recognised by GCE's reason codes wherever they appear (operation error
 * codes, the JSON error body, ErrorInfo).
 */
public final class GcpErrors {

  private GcpErrors() {}

  /** Classifies any exception a Google client threw while doing {@code what}. */
  public static PlatformException classify(String what, Throwable e) {
    if (e instanceof PlatformException pe) {
      return pe;
    }
    Throwable cause = e;
    while (cause != null
        && !(cause instanceof ApiException)
        && !(cause instanceof BaseServiceException)
        && cause.getCause() != null
        && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = String.valueOf(cause == null ? e.getMessage() : cause.getMessage());
    if (cause instanceof ApiException api) {
      String[] body = httpErrorBody(api);
      String reason = api.getReason() != null ? api.getReason() : body[0];
      if (body[1] != null) {
        message = body[1];
      }
      Kind special = byReason(reason, message);
      if (special != null) {
        return new PlatformException(
            special, reasonOr(reason, message, special), human(what, message), e);
      }
      Kind kind =
          reason != null && reason.toLowerCase(Locale.ROOT).contains("alreadyexists")
              ? Kind.ALREADY_EXISTS
              : byCode(api.getStatusCode().getCode(), message);
      return new PlatformException(
          kind,
          reason != null ? reason : api.getStatusCode().getCode().name(),
          human(what, message),
          e);
    }
    if (cause instanceof BaseServiceException service) {
      String reason = service.getReason();
      Kind special = byReason(reason, message);
      if (special != null) {
        return new PlatformException(
            special, reasonOr(reason, message, special), human(what, message), e);
      }
      return new PlatformException(
          byHttpStatus(service.getCode(), reason),
          reason != null ? reason : Integer.toString(service.getCode()),
          human(what, message),
          e);
    }
    return new PlatformException(Kind.TRANSIENT, "unknown", human(what, message), e);
  }

  /**
   * Classifies one error of a finished Compute operation.
   *
   * @param what what the operation was doing
   * @param code the operation error code, e.g. {@code ZONE_RESOURCE_POOL_EXHAUSTED}
   * @param message GCE's message
   * @param httpStatus the operation's HTTP error status, 0 when absent
   */
  public static PlatformException fromOperationError(
      String what, String code, String message, int httpStatus) {
    Kind special = byReason(code, message);
    Kind kind = special != null ? special : byOperationCode(code, httpStatus);
    return new PlatformException(
        kind, code == null ? "OPERATION_ERROR" : code, human(what, message));
  }

  /**
   * The {@code reason} and {@code message} of a JSON error body ({@code {"error": {"message",
   * "errors": [{"reason"}]}}}) carried by an HTTP/JSON client exception; nulls when absent.
   */
  private static String[] httpErrorBody(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpResponseException http && http.getContent() != null) {
        try {
          JsonNode error = Json.MAPPER.readTree(http.getContent()).path("error");
          String message = error.path("message").asText(null);
          String reason = error.path("errors").path(0).path("reason").asText(null);
          return new String[] {reason, message};
        } catch (IOException | RuntimeException ignored) {
          return new String[] {null, null};
        }
      }
    }
    return new String[] {null, null};
  }

  private static Kind byReason(String reason, String message) {
    String text = ((reason == null ? "" : reason) + " " + (message == null ? "" : message));
    String upper = text.toUpperCase(Locale.ROOT);
    if (upper.contains("ZONE_RESOURCE_POOL_EXHAUSTED")
        || upper.contains("RESOURCE_POOL_EXHAUSTED")
        || upper.contains("STOCKOUT")
        || upper.contains("DOES NOT HAVE ENOUGH RESOURCES AVAILABLE")) {
      return Kind.ZONE_EXHAUSTED;
    }
    if (upper.contains("QUOTA_EXCEEDED")
        || upper.contains("QUOTAEXCEEDED")
        || upper.matches("(?s).*QUOTA '.*' EXCEEDED.*")) {
      return Kind.QUOTA_EXCEEDED;
    }
    if (upper.contains("RATELIMITEXCEEDED") || upper.contains("RATE_LIMIT_EXCEEDED")) {
      return Kind.TRANSIENT;
    }
    if (upper.contains("RESOURCEINUSEBYANOTHERRESOURCE")
        || upper.contains("RESOURCE_IN_USE_BY_ANOTHER_RESOURCE")
        || upper.contains("CONDITIONNOTMET")) {
      return Kind.CONFLICT;
    }
    return null;
  }

  private static String reasonOr(String reason, String message, Kind kind) {
    if (reason != null && !reason.isBlank()) {
      return reason;
    }
    String upper = String.valueOf(message).toUpperCase(Locale.ROOT);
    for (String known :
        new String[] {
          "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS",
          "ZONE_RESOURCE_POOL_EXHAUSTED",
          "QUOTA_EXCEEDED",
          "RATE_LIMIT_EXCEEDED"
        }) {
      if (upper.contains(known)) {
        return known;
      }
    }
    return kind.name();
  }

  private static Kind byOperationCode(String code, int httpStatus) {
    String c = code == null ? "" : code.toUpperCase(Locale.ROOT);
    if (c.contains("ALREADY_EXISTS")) {
      return Kind.ALREADY_EXISTS;
    }
    if (c.contains("NOT_FOUND")) {
      return Kind.NOT_FOUND;
    }
    if (c.contains("PERMISSION") || c.contains("FORBIDDEN")) {
      return Kind.PERMISSION_DENIED;
    }
    if (c.contains("INVALID") || c.contains("BAD_REQUEST")) {
      return Kind.INVALID_ARGUMENT;
    }
    if (c.contains("CONDITION") || c.contains("CONFLICT") || c.contains("NOT_READY")) {
      return Kind.CONFLICT;
    }
    if (c.contains("UNAVAILABLE") || c.contains("INTERNAL") || c.contains("TIMEOUT")) {
      return Kind.TRANSIENT;
    }
    return httpStatus > 0 ? byHttpStatus(httpStatus, code) : Kind.INVALID_ARGUMENT;
  }

  private static Kind byCode(StatusCode.Code code, String message) {
    return switch (code) {
      case NOT_FOUND -> Kind.NOT_FOUND;
      case ALREADY_EXISTS -> Kind.ALREADY_EXISTS;
      case ABORTED ->
          message != null && message.toLowerCase(Locale.ROOT).contains("already exists")
              ? Kind.ALREADY_EXISTS
              : Kind.CONFLICT;
      case FAILED_PRECONDITION -> Kind.CONFLICT;
      case PERMISSION_DENIED, UNAUTHENTICATED -> Kind.PERMISSION_DENIED;
      case INVALID_ARGUMENT, OUT_OF_RANGE, UNIMPLEMENTED -> Kind.INVALID_ARGUMENT;
      case RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, CANCELLED ->
          Kind.TRANSIENT;
      default -> Kind.TRANSIENT;
    };
  }

  /** Classifies a bare HTTP status (GCS, BigQuery, Compute JSON errors). */
  public static Kind byHttpStatus(int status, String reason) {
    if (status == 409 && reason != null && reason.toLowerCase(Locale.ROOT).contains("duplicate")) {
      return Kind.ALREADY_EXISTS;
    }
    return switch (status) {
      case 400 -> Kind.INVALID_ARGUMENT;
      case 401, 403 -> Kind.PERMISSION_DENIED;
      case 404 -> Kind.NOT_FOUND;
      case 409 ->
          reason != null && reason.toLowerCase(Locale.ROOT).contains("exists")
              ? Kind.ALREADY_EXISTS
              : Kind.CONFLICT;
      case 412 -> Kind.CONFLICT;
      default ->
          status == 429 || status >= 500 || status <= 0 ? Kind.TRANSIENT : Kind.INVALID_ARGUMENT;
    };
  }

  private static String human(String what, String message) {
    String first = message == null ? "" : message.strip();
    if (first.length() > 500) {
      first = first.substring(0, 500) + "…";
    }
    return "cannot " + what + ": " + first;
  }
}
