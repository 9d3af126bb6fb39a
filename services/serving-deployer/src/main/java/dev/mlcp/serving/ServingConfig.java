package dev.mlcp.serving;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** serving-deployer's settings ({@code mlcp.serving.*}); checked at start-up. */
@ConfigMapping(prefix = "mlcp.serving")
public interface ServingConfig {

  /** Where rollout and service documents live, e.g. {@code gs://my-state/serving-deployer}. */
  String stateUri();

  /**
   * Emails that may deploy, move traffic, roll back, approve, abort and delete through REST (the
   * CI/CD service account); admins ({@code mlcp.auth.admins}) always may.
   */
  Optional<List<String>> deployers();

  /**
   * Publishers ({@code ce-source}) whose {@code deploy-requests} are believed, e.g. {@code
   * //cloudbuild/my-project/serve}; a trailing {@code *} is a prefix. Empty: none.
   */
  Optional<List<String>> requestSources();

  /** Auto-deploy policy: {@code service=model@alias} entries (follow the alias on promotion). */
  Optional<List<String>> autoDeploy();

  /** Image prefixes a revision may use; unset allows any. */
  Optional<List<String>> allowedImages();

  /** Revisions kept per service (serving ones included) when older ones are collected. */
  @WithDefault("3")
  int keepRevisions();

  /** Identity of serving VMs and Cloud Run revisions; unset: the platform default. */
  Optional<String> instanceServiceAccount();

  /** How often the in-process timer drives rollouts (bakes, health waits). */
  @WithDefault("PT1S")
  Duration tickInterval();

  /** CloudEvents source of the events this service publishes. */
  @WithDefault("//mlcp/serving-deployer")
  String eventSource();

  /** Largest page the listings return. */
  @WithDefault("100")
  int maxPageSize();

  /** The model registry (artifact-writer). */
  Registry registry();

  /** Canary analysis thresholds (defaults for every service). */
  Analysis analysis();

  /** {@code mlcp.serving.registry.*}. */
  interface Registry {
    /** The registry's base URL. */
    @WithDefault("http://127.0.0.1:8093")
    String url();

    /** The audience of the ID tokens sent to it; unset: the URL. */
    Optional<String> audience();

    /**
     * Local mode: the directory of the local signing key ({@code $MLCP_HOME/auth}); tokens for the
     * registry are minted with it instead of asked from Google.
     */
    Optional<String> localKeyDir();

    /** Local mode: the identity the minted tokens carry. */
    @WithDefault("serving-deployer@mlcp.local")
    String localIdentity();
  }

  /** {@code mlcp.serving.analysis.*}. */
  interface Analysis {
    /** Lowest share of non-5xx answers a canary step may show. */
    @WithDefault("0.99")
    double minSuccessRate();

    /** Highest p99 latency as a multiple of the stable revision's. */
    @WithDefault("2.0")
    double maxLatencyRatio();

    /** A p99 below this always passes. */
    @WithDefault("100")
    double latencyFloorMillis();

    /** Fewer requests in a step than this is inconclusive. */
    @WithDefault("20")
    long minRequests();

    /** Inconclusive analyses a step may hold for before the rollout fails. */
    @WithDefault("3")
    int maxInconclusive();

    /** How long a new revision may take to become healthy. */
    @WithDefault("PT10M")
    Duration healthTimeout();
  }
}
