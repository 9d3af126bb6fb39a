package dev.mlcp.platform;

import java.util.Objects;

/**
 * A failure of a platform call, classified into the closed set of {@link Kind}s that services can
 * act on (retry elsewhere, wait, give up, report to the user). Adapters translate their
 * technology's errors into this type; services never see an SDK exception.
 */
public final class PlatformException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What went wrong, in terms a caller can act on. */
  public enum Kind {
    /** A project or regional quota would be exceeded; retrying soon will not help. */
    QUOTA_EXCEEDED,
    /** The zone has no capacity for the requested resources (stockout); another zone may. */
    ZONE_EXHAUSTED,
    /** The resource does not exist. */
    NOT_FOUND,
    /** A resource with that name already exists. */
    ALREADY_EXISTS,
    /** A precondition (generation, fingerprint, state) did not hold. */
    CONFLICT,
    /** The caller's identity may not do this. */
    PERMISSION_DENIED,
    /** The request itself is wrong (bad name, unknown machine type, bad query). */
    INVALID_ARGUMENT,
    /** Rate limiting, unavailability, timeouts: the same call may succeed later. */
    TRANSIENT
  }

  private final Kind kind;
  private final String reason;

  /**
   * Creates a classified failure.
   *
   * @param kind the classification
   * @param reason the provider's machine-readable reason (e.g. {@code
   *     ZONE_RESOURCE_POOL_EXHAUSTED}), or a short code chosen by a local adapter
   * @param message a message a person can act on
   * @param cause the underlying exception, may be null
   */
  public PlatformException(Kind kind, String reason, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.reason = reason == null ? kind.name() : reason;
  }

  /** Creates a classified failure without a cause. */
  public PlatformException(Kind kind, String reason, String message) {
    this(kind, reason, message, null);
  }

  /** The classification. */
  public Kind kind() {
    return kind;
  }

  /** The provider's reason string, e.g. {@code QUOTA_EXCEEDED}. */
  public String reason() {
    return reason;
  }

  /** Whether the same call may succeed if repeated later. */
  public boolean isTransient() {
    return kind == Kind.TRANSIENT;
  }

  /** A NOT_FOUND failure. */
  public static PlatformException notFound(String what) {
    return new PlatformException(Kind.NOT_FOUND, "notFound", what + " was not found");
  }

  /** An ALREADY_EXISTS failure. */
  public static PlatformException alreadyExists(String what) {
    return new PlatformException(Kind.ALREADY_EXISTS, "alreadyExists", what + " already exists");
  }

  /** A CONFLICT failure (precondition not met). */
  public static PlatformException conflict(String reason, String message) {
    return new PlatformException(Kind.CONFLICT, reason, message);
  }

  /** An INVALID_ARGUMENT failure. */
  public static PlatformException invalid(String message) {
    return new PlatformException(Kind.INVALID_ARGUMENT, "invalid", message);
  }

  @Override
  public String toString() {
    return "PlatformException[" + kind + "/" + reason + "]: " + getMessage();
  }
}
