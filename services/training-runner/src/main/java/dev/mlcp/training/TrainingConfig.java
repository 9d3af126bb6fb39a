package dev.mlcp.training;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** training-runner's settings ({@code mlcp.training.*}); checked at start-up. */
@ConfigMapping(prefix = "mlcp.training")
public interface TrainingConfig {

  /** Where run and schedule documents live, e.g. {@code gs://my-bucket/training-runner}. */
  String stateUri();

  /** Where VM agents upload outputs: {@code <staging-uri>/<run-id>/}. */
  String stagingUri();

  /** Zones tried in order when a run names none. */
  List<String> defaultZones();

  /** Machine type when a run names none. */
  @WithDefault("n1-standard-4")
  String defaultMachineType();

  /** Run time limit when a run names none. */
  @WithDefault("PT24H")
  Duration defaultMaxRunDuration();

  /**
   * Added to a run's limit for the VM's {@code maxRunDuration}: time to upload, publish and
   * self-delete before GCE deletes the VM anyway.
   */
  @WithDefault("PT15M")
  Duration deleteGrace();

  /** Boot image family of training VMs without accelerators (needs docker, curl, python3). */
  @WithDefault("projects/deeplearning-platform-release/global/images/family/common-cpu")
  String bootImage();

  /** Boot image family of training VMs with GPUs (adds the NVIDIA driver and toolkit). */
  @WithDefault(
      "projects/deeplearning-platform-release/global/images/family/common-cu124-debian-11-py310")
  String gpuBootImage();

  /** Boot disk size in GB. */
  @WithDefault("100")
  long bootDiskGb();

  /**
   * The training VMs' service account (least privilege: logs, staging bucket, publish,
   * self-delete).
   */
  Optional<String> vmServiceAccount();

  /** Full name of the completion topic the agent publishes to. */
  String completionTopic();

  /** Attempts a preempted Spot run gets in all, the first included. */
  @WithDefault("3")
  int maxAttempts();

  /** What a Spot run does on preemption when its spec does not say. */
  @WithDefault("retry")
  String defaultOnPreemption();

  /**
   * Runs provisioned more recently than this are not judged by the reconciler: their VM may not be
   * listed yet.
   */
  @WithDefault("PT2M")
  Duration reconcileSettle();

  /**
   * How long a running run's VM may be missing before the run is judged (preempted or failed): the
   * agent deletes its VM after publishing, and the completion may still be on its way.
   */
  @WithDefault("PT5M")
  Duration missingGrace();

  /**
   * Pub/Sub publishers allowed to request runs and the owners each may name: {@code
   * source=owner|owner} entries, a source ending in {@code *} is a prefix, owner {@code *} is any
   * owner. Empty: no run can be requested through Pub/Sub.
   */
  Optional<List<String>> requestSources();

  /** Per-owner limits, so one user or one request cannot exhaust the project. */
  Limits limits();

  /** {@code mlcp.training.limits.*}. */
  interface Limits {
    /** Runs not yet ended an owner may have at once. */
    @WithDefault("20")
    int maxActiveRunsPerOwner();

    /** Accelerators (GPUs) the active runs of one owner may hold at once. */
    @WithDefault("16")
    int maxAcceleratorsPerOwner();

    /**
     * Image prefixes runs may use (e.g. {@code europe-docker.pkg.dev/my-project/ml/}); unset allows
     * every Artifact Registry image.
     */
    Optional<List<String>> allowedImages();
  }

  /** CloudEvents source of the events this service publishes. */
  @WithDefault("//mlcp/training-runner")
  String eventSource();

  /** Largest page {@code GET /v1/runs} returns. */
  @WithDefault("200")
  int maxPageSize();
}
