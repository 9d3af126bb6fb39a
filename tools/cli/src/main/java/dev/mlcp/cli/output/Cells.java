package dev.mlcp.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** How values show in table cells. */
public final class Cells {
  private Cells() {}

  /** The node at {@code path} ({@code a.b.c}); missing when any step is absent. */
  public static JsonNode at(JsonNode node, String path) {
    JsonNode n = node;
    for (String step : path.split("\\.")) {
      if (n == null || !n.isObject()) {
        return MissingNode.getInstance();
      }
      n = n.path(step);
    }
    return n;
  }

  /** Text of a value: {@code -} for null or missing, compact JSON for objects and arrays. */
  public static String text(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "-";
    }
    if (n.isArray()) {
      if (n.isEmpty()) {
        return "-";
      }
      StringBuilder b = new StringBuilder();
      for (JsonNode e : n) {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(e.isValueNode() ? e.asText() : e.toString());
      }
      return b.toString();
    }
    if (n.isObject()) {
      if (n.isEmpty()) {
        return "-";
      }
      StringBuilder b = new StringBuilder();
      Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (b.length() > 0) {
          b.append(',');
        }
        JsonNode v = e.getValue();
        b.append(e.getKey()).append('=').append(v.isValueNode() ? v.asText() : v.toString());
      }
      return b.toString();
    }
    return n.asText();
  }

  /** US dollars: {@code $0.0123}. */
  public static String usd(JsonNode n) {
    if (n == null || !n.isNumber()) {
      return "-";
    }
    return String.format(Locale.ROOT, "$%.4f", n.asDouble());
  }

  /** An instant without its fraction: {@code 2026-11-24T09:30:00Z}. */
  public static String time(JsonNode n) {
    Instant t = instant(n);
    return t == null ? "-" : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** The time between two instants, {@code 1h02m}, {@code 3m05s}, {@code 12s}; to now if open. */
  public static String duration(JsonNode from, JsonNode to, Instant now) {
    Instant a = instant(from);
    if (a == null) {
      return "-";
    }
    Instant b = instant(to);
    return human(Duration.between(a, b == null ? now : b));
  }

  /** {@code 1h02m}, {@code 3m05s}, {@code 12s}. */
  public static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
    if (s >= 60) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return s + "s";
  }

  static Instant instant(JsonNode n) {
    if (n == null || !n.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(n.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
