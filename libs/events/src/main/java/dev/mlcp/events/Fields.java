package dev.mlcp.events;

import java.util.List;
import java.util.Map;

/** Field checks used by event constructors; each failure names the field. */
public final class Fields {
  private Fields() {}

  /** {@code value} must be present and, for strings, not blank. */
  public static <T> T required(T value, String field) {
    if (value == null) {
      throw new InvalidEventException(field, "is required");
    }
    if (value instanceof String s && s.isBlank()) {
      throw new InvalidEventException(field, "must not be blank");
    }
    return value;
  }

  /** {@code uri} must be present and start with one of {@code schemes} (e.g. "gs://"). */
  public static String uri(String uri, String field, String... schemes) {
    required(uri, field);
    for (String scheme : schemes) {
      if (uri.startsWith(scheme) && uri.length() > scheme.length()) {
        return uri;
      }
    }
    throw new InvalidEventException(
        field, "must start with one of " + List.of(schemes) + ", was '" + uri + "'");
  }

  /** {@code uri} may be absent; when present it must start with one of {@code schemes}. */
  public static String optionalUri(String uri, String field, String... schemes) {
    return uri == null ? null : uri(uri, field, schemes);
  }

  /** {@code value} must not be negative. */
  public static long nonNegative(long value, String field) {
    if (value < 0) {
      throw new InvalidEventException(field, "must not be negative, was " + value);
    }
    return value;
  }

  /** {@code value} must not be negative. */
  public static double nonNegative(double value, String field) {
    if (value < 0 || Double.isNaN(value)) {
      throw new InvalidEventException(field, "must not be negative, was " + value);
    }
    return value;
  }

  /** An immutable copy, empty when absent. */
  public static <T> List<T> list(List<T> values) {
    return values == null ? List.of() : List.copyOf(values);
  }

  /** An immutable copy, empty when absent. */
  public static <K, V> Map<K, V> map(Map<K, V> values) {
    return values == null ? Map.of() : Map.copyOf(values);
  }
}
