package dev.mlcp.registry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** artifact-writer's registry settings ({@code mlcp.registry.*}); checked at start-up. */
@ConfigMapping(prefix = "mlcp.registry")
public interface RegistryConfig {

  /** Where the registry's documents live, e.g. {@code gs://my-state/artifact-writer}. */
  String stateUri();

  /** The registry: versions at {@code <root-uri>/models/<model>/versions/<n>/}. */
  String rootUri();

  /** Where training-runner stages run outputs (its {@code mlcp.training.staging-uri}). */
  String stagingUri();

  /**
   * Identities allowed to publish models: Pub/Sub {@code ce-source}s (e.g. {@code
   * //cloudbuild/my-project/train}), REST callers' emails or {@code schedule:<name>}; an entry
   * ending in {@code *} is a prefix. Admins ({@code mlcp.auth.admins}) may too. Empty: only admins.
   */
  Optional<List<String>> publishers();

  /**
   * Service identities that read every model's versions and aliases without owning them
   * (serving-deployer verifying before it deploys, training-runner resolving model inputs).
   */
  Optional<List<String>> readers();

  /** CloudEvents source of this service's events and evaluation requests. */
  @WithDefault("//mlcp/artifact-writer")
  String eventSource();

  /**
   * How staged files are copied: {@code server-side} (the store copies; CRC32C/MD5 verified) or
   * {@code stream} (through the service; SHA-256 per file).
   */
  @WithDefault("server-side")
  String copy();

  /** Most files one version may hold. */
  @WithDefault("10000")
  int maxFiles();

  /** Largest {@code metrics.json} read, in bytes. */
  @WithDefault("1048576")
  int maxMetricsBytes();

  /** How long a worker owns a registration before the reconciler may resume it. */
  @WithDefault("PT10M")
  Duration lease();

  /** How long a download URL stays valid. */
  @WithDefault("PT15M")
  Duration downloadUrlTtl();

  /** Largest page a listing returns. */
  @WithDefault("200")
  int maxPageSize();

  /** How long an evaluation waits for its run to report before it expires. */
  @WithDefault("PT48H")
  Duration evaluationTimeout();

  /** Most evaluation runs (versions x evaluators) one request may start. */
  @WithDefault("50")
  int maxEvaluationRuns();

  /** Most evaluators a model may have. */
  @WithDefault("20")
  int maxEvaluators();
}
