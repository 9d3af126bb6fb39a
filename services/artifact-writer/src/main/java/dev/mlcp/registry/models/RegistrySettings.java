package dev.mlcp.registry.models;

import dev.mlcp.platform.objects.ObjectUri;
import java.time.Duration;

/**
 * The registry's settings as plain values (made from configuration by the service's beans).
 *
 * @param root where versions live: {@code <root>/models/<model>/versions/<n>/}
 * @param staging where training-runner stages run outputs: {@code <staging>/<run>/}
 * @param copyMode how files are copied into a version
 * @param eventSource the {@code ce-source} of the events (and evaluation requests) it publishes
 * @param maxFiles most files one version may hold
 * @param maxMetricsBytes largest {@code metrics.json} read
 * @param lease how long a worker owns a registration before another may resume it
 * @param evaluationTimeout how long an evaluation waits for its run before it expires
 * @param maxEvaluationRuns most evaluation runs one request may start
 */
public record RegistrySettings(
    ObjectUri root,
    ObjectUri staging,
    CopyMode copyMode,
    String eventSource,
    int maxFiles,
    int maxMetricsBytes,
    Duration lease,
    Duration evaluationTimeout,
    int maxEvaluationRuns) {

  /** How a staged file becomes a version's file. */
  public enum CopyMode {
    /**
     * Read and written by the service, SHA-256, MD5 and CRC32C computed on the way and checked
     * against the store's.
     */
    STREAM,
    /**
     * Copied by the store (GCS rewrite); the copy's CRC32C and MD5 are checked against the
     * source's. No byte passes through the service, and no SHA-256 is computed.
     */
    SERVER_SIDE;

    /** {@code stream} or {@code server-side}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** The prefix of every version of {@code model}. */
  public ObjectUri modelPrefix(String model) {
    return root.resolve("models/" + model + "/versions/");
  }

  /** The prefix of version {@code n} of {@code model}. */
  public ObjectUri versionPrefix(String model, int n) {
    return root.resolve("models/" + model + "/versions/" + n + "/");
  }

  /** Where training-runner staged {@code runId}'s outputs. */
  public ObjectUri stagingOf(String runId) {
    return staging.resolve(runId + "/");
  }
}
