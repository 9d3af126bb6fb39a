package dev.mlcp.platform.secrets;

/**
 * A secret's value and the version that was served (what {@code latest} resolved to), so an audit
 * can say which version someone read. Close it to wipe the value.
 *
 * @param version the version number served, e.g. {@code 3}
 * @param value the value
 */
public record AccessedSecret(String version, SecretValue value) implements AutoCloseable {
  @Override
  public void close() {
    value.close();
  }

  /** Never the value. */
  @Override
  public String toString() {
    return "AccessedSecret[version " + version + ", " + value + "]";
  }
}
