package dev.mlcp.serving.rollouts;

/**
 * The model registry (artifact-writer) as the deployer needs it: resolve an alias, and verify a
 * version (every file re-read against the manifest, the manifest's SHA-256 against the registered
 * one) before it is deployed.
 */
public interface ModelRegistry {

  /**
   * A version the registry verified.
   *
   * @param model model name
   * @param version version
   * @param uri the version's registry prefix ({@code gs://…/})
   * @param sha256 the manifest's SHA-256, the version's identity
   */
  record VerifiedVersion(String model, String version, String uri, String sha256) {}

  /** The version {@code alias} points to. */
  String resolveAlias(String model, String alias);

  /**
   * Verifies a version.
   *
   * @throws VerificationFailedException when the registry says it does not verify (the detail names
   *     the file that differs)
   * @throws RegistryUnavailableException when the registry cannot be asked now
   */
  VerifiedVersion verify(String model, String version);

  /** The registry refused the version: it must not be deployed. */
  final class VerificationFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code detail} says why, as the registry said it. */
    public VerificationFailedException(String detail) {
      super(detail);
    }
  }

  /** The registry could not answer (down, 5xx, timeout): try again later. */
  final class RegistryUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code detail} says what failed. */
    public RegistryUnavailableException(String detail, Throwable cause) {
      super(detail, cause);
    }
  }
}
