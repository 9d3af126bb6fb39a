package dev.mlcp.registry.models;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's {@code metrics.json}: a JSON object whose values are numbers, or lists of numbers (one
 * per step, the last being the final value). Anything else is malformed and the outputs are not
 * registered: a gate must not read a metric that is not what it seems.
 *
 * @param finals the final value of each metric, in file order
 * @param points every value with its step (null for a plain number)
 */
public record Metrics(Map<String, Double> finals, List<Point> points) {
  /** Most metrics a file may hold. */
  public static final int MAX_METRICS = 1000;

  /** Most values one metric's list may hold. */
  public static final int MAX_STEPS = 100_000;

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  public Metrics {
    finals = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(finals));
    points = List.copyOf(points);
  }

  /**
   * One value.
   *
   * @param name the metric
   * @param step its index in the metric's list; null for a plain number
   * @param value the value
   */
  public record Point(String name, Integer step, double value) {}

  /** The problem with a {@code metrics.json}, in words. */
  public static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedException(String message) {
      super(message);
    }
  }

  /**
   * Parses {@code bytes}.
   *
   * @throws MalformedException saying what is wrong
   */
  public static Metrics parse(byte[] bytes) throws MalformedException {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new MalformedException("metrics.json is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new MalformedException("metrics.json cannot be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedException("metrics.json must be a JSON object of metric name to number");
    }
    if (root.size() == 0) {
      throw new MalformedException("metrics.json holds no metric");
    }
    if (root.size() > MAX_METRICS) {
      throw new MalformedException(
          "metrics.json holds " + root.size() + " metrics; at most " + MAX_METRICS);
    }
    Map<String, Double> finals = new LinkedHashMap<>();
    List<Point> points = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (!Names.isMetric(name)) {
        throw new MalformedException(
            "metrics.json: '"
                + brief(name)
                + "' is not a metric name (letters, digits, '_', '.', ':', '/', '-';"
                + " at most 128)");
      }
      if (v.isNumber()) {
        double d = finite(name, v);
        finals.put(name, d);
        points.add(new Point(name, null, d));
      } else if (v.isArray()) {
        if (v.size() == 0 || v.size() > MAX_STEPS) {
          throw new MalformedException(
              "metrics.json: '" + name + "' must list 1-" + MAX_STEPS + " numbers");
        }
        double last = 0;
        for (int i = 0; i < v.size(); i++) {
          JsonNode e = v.get(i);
          if (!e.isNumber()) {
            throw new MalformedException(
                "metrics.json: '" + name + "'[" + i + "] must be a number, is " + e.getNodeType());
          }
          last = finite(name + "[" + i + "]", e);
          points.add(new Point(name, i, last));
        }
        finals.put(name, last);
      } else {
        throw new MalformedException(
            "metrics.json: '"
                + name
                + "' must be a number or a list of numbers, is "
                + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
      }
    }
    return new Metrics(finals, points);
  }

  private static double finite(String name, JsonNode v) throws MalformedException {
    double d = v.asDouble();
    if (!Double.isFinite(d)) {
      throw new MalformedException("metrics.json: '" + name + "' must be finite");
    }
    return d;
  }

  private static String brief(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }
}
