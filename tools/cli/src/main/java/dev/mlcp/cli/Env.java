package dev.mlcp.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the CLI reads from its surroundings: environment variables and the user's home directory.
 * Tests pass their own instead of the process's.
 *
 * @param vars environment variables
 * @param userHome the user's home directory
 */
public record Env(Map<String, String> vars, Path userHome) {

  /** The process's environment. */
  public static Env system() {
    return new Env(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** The variable's value, or null when unset or empty. */
  public String get(String name) {
    String v = vars.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /** The variable's value, or {@code fallback}. */
  public String get(String name, String fallback) {
    String v = get(name);
    return v == null ? fallback : v;
  }
}
