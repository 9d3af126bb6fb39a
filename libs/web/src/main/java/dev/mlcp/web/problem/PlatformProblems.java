package dev.mlcp.web.problem;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.web.ApiException;
import java.time.Duration;

/** How a {@link PlatformException} that reaches the API is answered. */
public final class PlatformProblems {
  /** What a client waits before retrying a transient failure. */
  static final Duration TRANSIENT_RETRY = Duration.ofSeconds(5);

  private PlatformProblems() {}

  /**
   * The API error for {@code e}: TRANSIENT and ZONE_EXHAUSTED → 503 with Retry-After, CONFLICT and
   * ALREADY_EXISTS → 409, NOT_FOUND → 404, PERMISSION_DENIED → 502 naming what was refused,
   * QUOTA_EXCEEDED → 429 with the provider's reason, INVALID_ARGUMENT → 400.
   */
  public static ApiException toApiException(PlatformException e) {
    String reason = e.reason() == null ? "" : " (" + e.reason() + ")";
    return switch (e.kind()) {
      case TRANSIENT ->
          new ApiException.Unavailable(
              "A cloud service did not answer in time" + reason + "; retry shortly.",
              TRANSIENT_RETRY,
              e);
      case ZONE_EXHAUSTED ->
          new ApiException.Unavailable(
              "No capacity in the requested zones" + reason + ": " + e.getMessage(),
              Duration.ofMinutes(5),
              e);
      case CONFLICT, ALREADY_EXISTS ->
          new ApiException.Conflict(e.getMessage() + "; re-read and retry.");
      case NOT_FOUND -> new ApiException.NotFound(e.getMessage());
      case PERMISSION_DENIED ->
          new ApiException.UpstreamPermissionDenied(
              "The service's own identity was refused by a cloud API"
                  + reason
                  + ": "
                  + e.getMessage()
                  + ". An operator must grant the missing permission to the service account.",
              e);
      case QUOTA_EXCEEDED ->
          new ApiException.QuotaExceeded(
              "A cloud quota is exhausted" + reason + ": " + e.getMessage(), null, e);
      case INVALID_ARGUMENT -> new ApiException.BadRequest(null, e.getMessage());
    };
  }
}
