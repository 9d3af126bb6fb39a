package dev.mlcp.cli;

import java.util.Locale;

/** Where the services run: on this machine ({@code infra/local/mlcp up}) or on Cloud Run. */
public enum Mode {
  LOCAL,
  CLOUD;

  /** {@code local} or {@code cloud}. */
  public static Mode parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, "mode must be local or cloud, not " + text);
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
