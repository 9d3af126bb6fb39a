package dev.mlcp.experiments.notebooks;

import dev.mlcp.platform.instances.Accelerator;
import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.GceNames;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.ServiceAccount;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an experiment into its VM: labels the reaper finds it by, the agent in notebook mode as
 * startup script with guest attributes on (its heartbeat), and {@code scheduling.maxRunDuration} up
 * to the experiment's hard deadline with termination action DELETE, so the VM is deleted at the
 * admin's max TTL even when nothing of mlcp runs any more.
 */
public final class NotebookPlan {
  /** Label carrying the experiment's name; every notebook VM has it. */
  public static final String EXPERIMENT_LABEL = "mlcp-experiment";

  /** Label carrying the experiment's document id (one per incarnation of a name). */
  public static final String ID_LABEL = "mlcp-experiment-id";

  /** Label carrying the owner, label-safe. */
  public static final String OWNER_LABEL = "mlcp-owner";

  private static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

  /**
   * What every notebook VM gets.
   *
   * @param jupyterPort the port JupyterLab serves on (0: a free port, local mode)
   * @param heartbeatInterval how often the agent writes its heartbeat
   * @param serviceAccount the VMs' service account, null for the default
   * @param agentScript the VM agent ({@code infra/vm/mlcp-agent.sh})
   */
  public record Settings(
      int jupyterPort, Duration heartbeatInterval, String serviceAccount, String agentScript) {}

  private final Settings settings;

  public NotebookPlan(Settings settings) {
    this.settings = settings;
  }

  /** The VM of {@code experiment}, created at {@code experiment.createdAt()}. */
  public InstanceSpec instanceFor(Experiment experiment) {
    VmShape shape = experiment.shape();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(EXPERIMENT_LABEL, experiment.name());
    labels.put(ID_LABEL, experiment.id());
    labels.put(OWNER_LABEL, GceNames.safeLabelValue(experiment.owner()));

    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("mlcp-mode", "notebook");
    metadata.put("mlcp-experiment", experiment.name());
    metadata.put("mlcp-jupyter-port", Integer.toString(settings.jupyterPort()));
    metadata.put("mlcp-heartbeat-seconds", seconds(settings.heartbeatInterval()));
    metadata.put("mlcp-image-family", shape.imageFamily());
    metadata.put(InstanceSpec.ENABLE_GUEST_ATTRIBUTES, "TRUE");
    metadata.put("enable-oslogin", "TRUE");
    metadata.put("startup-script", settings.agentScript());
    boolean gpu = shape.acceleratorType() != null && shape.acceleratorCount() > 0;
    if (gpu) {
      metadata.put("install-nvidia-driver", "True");
    }
    List<Accelerator> accelerators =
        gpu && !NotebookPolicy.acceleratorOptimized(shape.machineType())
            ? List.of(new Accelerator(shape.acceleratorType(), shape.acceleratorCount()))
            : List.of();
    return new InstanceSpec(
        experiment.instance(),
        experiment.zones(),
        shape.machineType(),
        accelerators,
        new BootDisk(shape.imageFamily(), shape.diskGb(), "pd-balanced"),
        shape.spot(),
        labels,
        metadata,
        settings.serviceAccount() == null
            ? null
            : new ServiceAccount(settings.serviceAccount(), List.of(CLOUD_PLATFORM)),
        Duration.between(experiment.createdAt(), experiment.hardDeadline()),
        shape.externalIp());
  }

  private static String seconds(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0
        ? Long.toString(millis / 1000)
        : String.format(Locale.ROOT, "%.3f", millis / 1000.0);
  }
}
