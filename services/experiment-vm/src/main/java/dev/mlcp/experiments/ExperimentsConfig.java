package dev.mlcp.experiments;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Notebook VMs, the admin caps users cannot cancel and the reaper ({@code mlcp.experiments.*}). */
@ConfigMapping(prefix = "mlcp.experiments")
public interface ExperimentsConfig {

  /** Where experiment documents and the secret audit live, e.g. {@code gs://b/experiment-vm}. */
  String stateUri();

  /** Zones tried in order when a request names none (a stockout moves on to the next). */
  List<String> defaultZones();

  /** Machine type when a request names none. */
  @WithDefault("n1-standard-4")
  String defaultMachineType();

  /** Boot image (family) of notebook VMs without accelerators: JupyterLab included. */
  @WithDefault("projects/deeplearning-platform-release/global/images/family/common-cpu-notebooks")
  String defaultImageFamily();

  /** Boot image (family) of notebook VMs with GPUs (driver, CUDA and JupyterLab). */
  @WithDefault(
      "projects/deeplearning-platform-release/global/images/family/common-cu124-notebooks-debian-11-py310")
  String defaultGpuImageFamily();

  /** Boot disk size in GB when a request names none. */
  @WithDefault("100")
  int defaultDiskGb();

  /** The notebook VMs' service account; unset: the project's default compute account. */
  Optional<String> vmServiceAccount();

  /** The port JupyterLab serves on the VM (the Deep Learning VM images use 8080). */
  @WithDefault("8080")
  int jupyterPort();

  /** How often the VM agent writes its heartbeat (guest attribute {@code mlcp/heartbeat}). */
  @WithDefault("PT60S")
  Duration heartbeatInterval();

  /** Whether a VM gets an external IP when the request does not say (IAP needs none). */
  @WithDefault("false")
  boolean defaultExternalIp();

  /** What users may choose, enforced server-side. */
  Caps caps();

  /** The reaper's timing. */
  Reaper reaper();

  /** CloudEvents source of the events this service publishes. */
  @WithDefault("//mlcp/experiment-vm")
  String eventSource();

  /** Largest page {@code GET /v1/experiments} returns. */
  @WithDefault("200")
  int maxPageSize();

  /** {@code mlcp.experiments.caps.*}: admin caps. */
  interface Caps {
    /** Time to live of an experiment whose request names none. */
    @WithDefault("PT8H")
    Duration defaultTtl();

    /**
     * Longest an experiment may live from its creation, extensions included; also the VM's {@code
     * scheduling.maxRunDuration} (termination action DELETE), the backstop that holds even when
     * this service is down.
     */
    @WithDefault("PT24H")
    Duration maxTtl();

    /** Idle timeout of an experiment whose request names none. */
    @WithDefault("PT60M")
    Duration defaultIdleTimeout();

    /** Shortest idle timeout a request may ask for. */
    @WithDefault("PT10M")
    Duration minIdleTimeout();

    /** Longest idle timeout a request may ask for. */
    @WithDefault("PT4H")
    Duration maxIdleTimeout();

    /** Accelerator types requests may use; empty: none at all. */
    @WithDefault("nvidia-tesla-t4,nvidia-l4")
    List<String> allowedAccelerators();

    /** Most accelerators one notebook VM may have. */
    @WithDefault("4")
    int maxAcceleratorCount();

    /** Experiments (provisioning, running or stopped) one owner may have at once. */
    @WithDefault("3")
    int maxConcurrentPerOwner();

    /** Largest boot disk in GB. */
    @WithDefault("500")
    int maxDiskGb();

    /** Whether requests may ask for an external IP. */
    @WithDefault("true")
    boolean allowExternalIp();
  }

  /** {@code mlcp.experiments.reaper.*}. */
  interface Reaper {
    /** How long before expiry {@code experiment.expiring} is emitted. */
    @WithDefault("PT30M")
    Duration expiringNotice();

    /** A stopped experiment is deleted (disk and all) after this long. */
    @WithDefault("P7D")
    Duration stoppedRetention();

    /** A heartbeat older than this says nothing: the VM counts as active until its TTL. */
    @WithDefault("PT5M")
    Duration heartbeatStaleAfter();

    /**
     * Experiments changed more recently than this are not compared with their VM (a start or stop
     * may still be on its way).
     */
    @WithDefault("PT2M")
    Duration settle();

    /** A PROVISIONING experiment older than this without a VM has failed. */
    @WithDefault("PT15M")
    Duration provisioningTimeout();
  }
}
