package dev.mlcp.registry.models;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names the registry accepts. Model names are training runs' names (GCE-name rules, at most 40
 * characters, as training-runner enforces), so they are safe as object path segments and document
 * ids; aliases and evaluators follow the same rule. A version is a positive number, written {@code
 * v7} in events and accepted as {@code 7} or {@code v7} in paths.
 */
public final class Names {
  /** Lowercase letters, digits and '-', starting with a letter, not ending with '-'. */
  private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,38}[a-z0-9])?");

  private static final Pattern VERSION = Pattern.compile("v?([1-9][0-9]{0,8})");

  /** Metric names: what a {@code metrics.json} key may be. */
  private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}");

  private Names() {}

  /** Whether {@code name} may name a model, an alias or an evaluator. */
  public static boolean isName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Whether {@code name} may name a metric. */
  public static boolean isMetric(String name) {
    return name != null && METRIC.matcher(name).matches();
  }

  /** The version number in {@code 7} or {@code v7}; empty for anything else. */
  public static Optional<Integer> version(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = VERSION.matcher(text);
    return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  /** {@code v<n>}, as events and the manifest name a version. */
  public static String versionName(int n) {
    return "v" + n;
  }

  /** What the name rule says, for error messages. */
  public static String rule() {
    return "1-40 characters: lowercase letters, digits and '-', starting with a letter and not"
        + " ending with '-'";
  }
}
