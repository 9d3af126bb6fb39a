package dev.mlcp.platform.secrets;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Secret storage (Secret Manager semantics): secrets with labels, each holding numbered versions.
 * Values only ever travel as {@link SecretValue}. Failures are {@link
 * dev.mlcp.platform.PlatformException}s (NOT_FOUND, ALREADY_EXISTS, CONFLICT for a disabled or
 * destroyed version).
 */
public interface Secrets extends AutoCloseable {

  /** The alias of the newest enabled version. */
  String LATEST = "latest";

  /** All secrets, names and labels only, sorted by name. */
  List<SecretInfo> list();

  /**
   * Creates an empty secret.
   *
   * @param name secret id ({@code [A-Za-z0-9_-]{1,255}})
   * @param labels labels for the secret
   */
  default SecretInfo create(String name, Map<String, String> labels) {
    return create(name, labels, Map.of());
  }

  /**
   * Creates an empty secret with labels and annotations.
   *
   * @throws dev.mlcp.platform.PlatformException ALREADY_EXISTS when it exists
   */
  SecretInfo create(String name, Map<String, String> labels, Map<String, String> annotations);

  /** The secret's description (never its value), empty when there is no such secret. */
  Optional<SecretInfo> get(String name);

  /**
   * Replaces the secret's annotations (e.g. its readers).
   *
   * @throws dev.mlcp.platform.PlatformException NOT_FOUND for an unknown secret
   */
  SecretInfo setAnnotations(String name, Map<String, String> annotations);

  /**
   * Adds a version holding {@code value}.
   *
   * @return the new version id ({@code "1"}, {@code "2"}, …)
   */
  String addVersion(String name, SecretValue value);

  /**
   * The value of a version; {@link #LATEST} means the newest enabled version.
   *
   * @throws dev.mlcp.platform.PlatformException NOT_FOUND for an unknown secret or version,
   *     CONFLICT for a disabled or destroyed version
   */
  SecretValue access(String name, String version);

  /**
   * As {@link #access}, naming the version actually served ({@code latest} resolved). The default
   * cannot resolve aliases and names the version asked for; adapters override it.
   */
  default AccessedSecret accessVersion(String name, String version) {
    return new AccessedSecret(version, access(name, version));
  }

  /** Disables a version (it can no longer be accessed). */
  void disableVersion(String name, String version);

  /** Destroys a version's value for good. */
  void destroyVersion(String name, String version);

  /** Releases clients; the default does nothing. */
  @Override
  default void close() {}
}
