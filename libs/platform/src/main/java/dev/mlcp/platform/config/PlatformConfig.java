package dev.mlcp.platform.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Which platform adapters a service uses and how they reach their backends. */
@ConfigMapping(prefix = "mlcp")
public interface PlatformConfig {

  /** The adapter families. */
  enum Platform {
    /** Google Cloud services. */
    GCP,
    /** Processes, files and DuckDB on this machine. */
    LOCAL
  }

  /** Which adapters back the ports: {@code gcp} or {@code local}. */
  @WithDefault("local")
  Platform platform();

  /** Google Cloud project id; required when {@code mlcp.platform=gcp}. */
  Optional<String> projectId();

  /** Region of regional resources (managed instance groups, backend services). */
  @WithDefault("us-central1")
  String region();

  /** Zones to create VMs in, in order of preference. */
  @WithDefault("us-central1-a,us-central1-b,us-central1-c")
  List<String> zones();

  /** Directory of the local adapters' state (objects, secrets, logs, warehouse, instances). */
  @WithDefault(".mlcp/state")
  String stateDir();

  /** Endpoint overrides of the Google APIs (tests, emulators, private endpoints). */
  Endpoints endpoints();

  /** Settings of the local adapters. */
  Local local();

  /** Retries of idempotent calls. */
  Retry retry();

  /** Long-running operations (Compute operations, BigQuery jobs). */
  Operations operations();

  /** Location of BigQuery datasets the warehouse creates. */
  @WithDefault("US")
  String warehouseLocation();

  /**
   * The service account whose Google-managed key signs download URLs (V4), through the IAM
   * Credentials API as this service: no key file. Usually the service's own account. Unset: the
   * Storage client's credentials sign (on Cloud Run these also call signBlob for the runtime
   * account).
   */
  Optional<String> urlSigningAccount();

  /** Per-API endpoint overrides. */
  interface Endpoints {
    /** Compute Engine REST endpoint, e.g. {@code http://127.0.0.1:8089}. */
    Optional<String> compute();

    /** Cloud Storage host, e.g. {@code http://127.0.0.1:4443}. */
    Optional<String> storage();

    /** Secret Manager gRPC {@code host:port}. */
    Optional<String> secretManager();

    /** Cloud Logging gRPC {@code host:port}. */
    Optional<String> logging();

    /** BigQuery REST host. */
    Optional<String> bigquery();

    /** IAM Credentials REST endpoint (signBlob), e.g. {@code http://127.0.0.1:8089}. */
    Optional<String> iamCredentials();

    /** Whether the overrides point at emulators or test servers: no credentials, plaintext gRPC. */
    @WithDefault("false")
    boolean emulator();
  }

  /** Local adapters. */
  interface Local {
    /** Command started for each local "VM": the VM agent script. */
    @WithDefault("bash,infra/vm/mlcp-agent.sh")
    List<String> agentCommand();

    /**
     * Pub/Sub REST endpoint agents publish to, e.g. the emulator's {@code
     * http://127.0.0.1:8085/v1}.
     */
    Optional<String> pubsubApi();

    /** The docker command of agents; the local launcher uses infra/vm/testing/fake-docker. */
    Optional<String> docker();

    /**
     * The iptables command of agents (their metadata-server block); the local launcher uses
     * infra/vm/testing/fake-iptables. Unset: the fake beside a fake docker, else {@code iptables}.
     */
    Optional<String> iptables();

    /** File mapping image names to local commands (format: infra/vm/README.md). */
    Optional<String> imageMap();

    /** Seconds an agent waits after publishing before it deletes its own instance. */
    @WithDefault("1")
    int deleteGraceSeconds();

    /**
     * Spanner REST endpoint agents read Spanner inputs from, e.g. the emulator's {@code
     * http://127.0.0.1:9020/v1}.
     */
    Optional<String> spannerApi();
  }

  /** Bounded exponential backoff. */
  interface Retry {
    /** Total attempts including the first. */
    @WithDefault("5")
    int maxAttempts();

    /** Wait before the second attempt. */
    @WithDefault("200ms")
    Duration initialBackoff();

    /** Upper bound of one wait. */
    @WithDefault("5s")
    Duration maxBackoff();
  }

  /** Long-running operations. */
  interface Operations {
    /** How long to wait for one operation to finish. */
    @WithDefault("10m")
    Duration timeout();

    /** First wait between polls (doubles up to 5 s). */
    @WithDefault("1s")
    Duration pollInterval();
  }
}
