package dev.mlcp.training.inputs;

import java.util.List;
import java.util.Optional;

/**
 * The model registry (artifact-writer), as input resolution needs it: a version by alias or number,
 * with its immutable URI, the SHA-256 that is its identity, and its files.
 */
public interface ModelRegistry {

  /** The version {@code alias} points at, empty when the model or alias does not exist. */
  Optional<ModelVersion> byAlias(String model, String alias);

  /** Version {@code version} of {@code model}, empty when it does not exist. */
  Optional<ModelVersion> byNumber(String model, int version);

  /**
   * A registered model version.
   *
   * @param model model name
   * @param version version number
   * @param uri immutable {@code gs://…/} prefix holding the files
   * @param sha256 the version's SHA-256 (of its manifest)
   * @param files every file, with its own SHA-256 and size
   */
  record ModelVersion(String model, int version, String uri, String sha256, List<ModelFile> files) {
    /** Copies the files. */
    public ModelVersion {
      files = files == null ? List.of() : List.copyOf(files);
    }
  }

  /**
   * One file of a version.
   *
   * @param path path under the version's URI
   * @param sha256 hex SHA-256 of the content
   * @param size bytes
   */
  record ModelFile(String path, String sha256, long size) {}

  /** No registry configured: every model input is refused with this message. */
  ModelRegistry NONE =
      new ModelRegistry() {
        @Override
        public Optional<ModelVersion> byAlias(String model, String alias) {
          throw new IllegalStateException(
              "no model registry is configured (mlcp.training.registry-url)");
        }

        @Override
        public Optional<ModelVersion> byNumber(String model, int version) {
          throw new IllegalStateException(
              "no model registry is configured (mlcp.training.registry-url)");
        }
      };
}
