package dev.mlcp.cli.output;

/** {@code --format}: a table for people, JSON or YAML (the API's answer as it is) for scripts. */
public enum Format {
  table,
  json,
  yaml
}
