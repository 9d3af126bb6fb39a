package dev.mlcp.web;

import java.time.Duration;
import java.util.Optional;

/**
 * The errors a service throws on purpose. Each becomes an RFC 9457 problem+json response with the
 * status, type and title of its subclass and the exception message as {@code detail}, so the
 * message must be one a person can act on and must not contain secrets.
 */
public abstract sealed class ApiException extends RuntimeException
    permits ApiException.NotFound,
        ApiException.Conflict,
        ApiException.Forbidden,
        ApiException.PreconditionFailed,
        ApiException.BadRequest,
        ApiException.Unavailable,
        ApiException.QuotaExceeded,
        ApiException.Unprocessable,
        ApiException.LimitExceeded,
        ApiException.PayloadTooLarge,
        ApiException.UpstreamPermissionDenied {

  private static final long serialVersionUID = 1L;

  private ApiException(String detail, Throwable cause) {
    super(detail, cause);
  }

  /** HTTP status of the response. */
  public abstract int status();

  /** Short, stable, kebab-case problem kind; the problem {@code type} is derived from it. */
  public abstract String kind();

  /** Human title of the problem kind (the same for every occurrence). */
  public abstract String title();

  /** Seconds the client should wait before retrying, sent as {@code Retry-After}. */
  public Optional<Duration> retryAfter() {
    return Optional.empty();
  }

  /** The request field at fault, as a JSON path, when there is one. */
  public Optional<String> field() {
    return Optional.empty();
  }

  /** 404: the named resource does not exist (or the caller may not know it exists). */
  public static final class NotFound extends ApiException {
    private static final long serialVersionUID = 1L;

    /** {@code what} is a noun such as "run", {@code id} its identifier. */
    public NotFound(String what, String id) {
      super(what + " '" + id + "' does not exist", null);
    }

    /** {@code detail} says what was not found. */
    public NotFound(String detail) {
      super(detail, null);
    }

    @Override
    public int status() {
      return 404;
    }

    @Override
    public String kind() {
      return "not-found";
    }

    @Override
    public String title() {
      return "Not found";
    }
  }

  /** 409: the request conflicts with the current state (already exists, wrong state). */
  public static final class Conflict extends ApiException {
    private static final long serialVersionUID = 1L;

    /** {@code detail} says what conflicts and what to do. */
    public Conflict(String detail) {
      super(detail, null);
    }

    @Override
    public int status() {
      return 409;
    }

    @Override
    public String kind() {
      return "conflict";
    }

    @Override
    public String title() {
      return "Conflict";
    }
  }

  /** 403: the caller is authenticated but may not do this. */
  public static final class Forbidden extends ApiException {
    private static final long serialVersionUID = 1L;

    /** {@code detail} says what is not allowed (never why in security-sensitive terms). */
    public Forbidden(String detail) {
      super(detail, null);
    }

    @Override
    public int status() {
      return 403;
    }

    @Override
    public String kind() {
      return "forbidden";
    }

    @Override
    public String title() {
      return "Forbidden";
    }
  }

  /** 412: a generation/ETag precondition did not hold; re-read and retry. */
  public static final class PreconditionFailed extends ApiException {
    private static final long serialVersionUID = 1L;

    /** {@code detail} names the resource that changed. */
    public PreconditionFailed(String detail) {
      super(detail, null);
    }

    @Override
    public int status() {
      return 412;
    }

    @Override
    public String kind() {
      return "precondition-failed";
    }

    @Override
    public String title() {
      return "Precondition failed";
    }
  }

  /** 400: a request value is wrong in a way Bean Validation cannot express. */
  public static final class BadRequest extends ApiException {
    private static final long serialVersionUID = 1L;
    private final String field;

    /** {@code field} is the JSON path of the wrong value, {@code detail} what is wrong with it. */
    public BadRequest(String field, String detail) {
      super(detail, null);
      this.field = field;
    }

    @Override
    public int status() {
      return 400;
    }

    @Override
    public String kind() {
      return "invalid-request";
    }

    @Override
    public String title() {
      return "Invalid request";
    }

    @Override
    public Optional<String> field() {
      return Optional.ofNullable(field);
    }
  }

  /**
   * 503: a dependency cannot serve the request right now (zone stockout, upstream outage); the
   * client may retry later.
   */
  public static final class Unavailable extends ApiException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    /** {@code retryAfter} may be null when no sensible wait is known. */
    public Unavailable(String detail, Duration retryAfter, Throwable cause) {
      super(detail, cause);
      this.retryAfter = retryAfter;
    }

    @Override
    public int status() {
      return 503;
    }

    @Override
    public String kind() {
      return "unavailable";
    }

    @Override
    public String title() {
      return "Temporarily unavailable";
    }

    @Override
    public Optional<Duration> retryAfter() {
      return Optional.ofNullable(retryAfter);
    }
  }

  /** 429: a quota (ours or the cloud project's) is exhausted; retry after the given time. */
  public static final class QuotaExceeded extends ApiException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    /** {@code detail} names the quota; {@code retryAfter} may be null. */
    public QuotaExceeded(String detail, Duration retryAfter, Throwable cause) {
      super(detail, cause);
      this.retryAfter = retryAfter;
    }

    @Override
    public int status() {
      return 429;
    }

    @Override
    public String kind() {
      return "quota-exceeded";
    }

    @Override
    public String title() {
      return "Quota exceeded";
    }

    @Override
    public Optional<Duration> retryAfter() {
      return Optional.ofNullable(retryAfter);
    }
  }

  /**
   * 422: the request is well formed but cannot be carried out as asked (an idempotency key reused
   * with a different body).
   */
  public static final class Unprocessable extends ApiException {
    private static final long serialVersionUID = 1L;
    private final String field;

    /** {@code field} is the request field or header at fault. */
    public Unprocessable(String field, String detail) {
      super(detail, null);
      this.field = field;
    }

    @Override
    public int status() {
      return 422;
    }

    @Override
    public String kind() {
      return "unprocessable";
    }

    @Override
    public String title() {
      return "Request cannot be processed";
    }

    @Override
    public Optional<String> field() {
      return Optional.ofNullable(field);
    }
  }

  /**
   * 429: one of mlcp's own limits (per owner, per instance) is reached; the detail names the limit
   * and the current use.
   */
  public static final class LimitExceeded extends ApiException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    /** {@code retryAfter} may be null when waiting will not help until something ends. */
    public LimitExceeded(String detail, Duration retryAfter) {
      super(detail, null);
      this.retryAfter = retryAfter;
    }

    @Override
    public int status() {
      return 429;
    }

    @Override
    public String kind() {
      return "limit-exceeded";
    }

    @Override
    public String title() {
      return "Limit exceeded";
    }

    @Override
    public Optional<Duration> retryAfter() {
      return Optional.ofNullable(retryAfter);
    }
  }

  /** 413: the request body or a field of it is larger than the service accepts. */
  public static final class PayloadTooLarge extends ApiException {
    private static final long serialVersionUID = 1L;
    private final String field;

    /** {@code field} names the part that is too large, null for the whole body. */
    public PayloadTooLarge(String field, String detail) {
      super(detail, null);
      this.field = field;
    }

    @Override
    public int status() {
      return 413;
    }

    @Override
    public String kind() {
      return "payload-too-large";
    }

    @Override
    public String title() {
      return "Payload too large";
    }

    @Override
    public Optional<String> field() {
      return Optional.ofNullable(field);
    }
  }

  /**
   * 502: a cloud API refused the service itself (its service account lacks a permission). The
   * operator must fix the grant; the caller cannot, so it is not a 403.
   */
  public static final class UpstreamPermissionDenied extends ApiException {
    private static final long serialVersionUID = 1L;

    public UpstreamPermissionDenied(String detail, Throwable cause) {
      super(detail, cause);
    }

    @Override
    public int status() {
      return 502;
    }

    @Override
    public String kind() {
      return "upstream-permission-denied";
    }

    @Override
    public String title() {
      return "The service lacks a cloud permission";
    }
  }
}
