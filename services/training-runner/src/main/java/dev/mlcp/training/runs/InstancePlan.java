package dev.mlcp.training.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.instances.Accelerator;
import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.GceNames;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.ServiceAccount;
import dev.mlcp.training.TrainingConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a run attempt into the VM that runs it: labels that let the reconciler find it, metadata
 * the agent reads (values as JSON, never shell text), the agent as startup script, and {@code
 * maxRunDuration} = the run's limit plus a grace period with termination action DELETE, the last
 * net that deletes a VM nothing else did.
 */
public final class InstancePlan {
  /** Label carrying the run id; every training VM has it. */
  public static final String RUN_LABEL = "mlcp-run";

  /** Label carrying the owner, label-safe. */
  public static final String OWNER_LABEL = "mlcp-owner";

  /** Label carrying the attempt number. */
  public static final String ATTEMPT_LABEL = "mlcp-attempt";

  /** Metadata key of the resolved input plan (infra/vm/README.md). */
  public static final String INPUT_PLAN = "mlcp-input-plan";

  private static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

  private final TrainingConfig config;
  private final ObjectMapper json;
  private final String agentScript;

  public InstancePlan(TrainingConfig config, ObjectMapper json, String agentScript) {
    this.config = config;
    this.json = json;
    this.agentScript = agentScript;
  }

  /** The run's time limit. */
  public Duration limit(RunSpec spec) {
    return spec.maxRunDurationSeconds() > 0
        ? Duration.ofSeconds(spec.maxRunDurationSeconds())
        : config.defaultMaxRunDuration();
  }

  /** Zones to try for {@code run}, in order; the adapter moves on while a zone is stocked out. */
  public List<String> zones(Run run) {
    return run.spec().zones().isEmpty() ? config.defaultZones() : run.spec().zones();
  }

  /** The machine type of a run. */
  public String machineType(RunSpec spec) {
    return spec.machineType() == null ? config.defaultMachineType() : spec.machineType();
  }

  /** The VM for {@code run}'s current attempt, trying {@code zones} in order. */
  public InstanceSpec instanceFor(Run run, List<String> zones) {
    RunSpec spec = run.spec();
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    labels.put(RUN_LABEL, run.id());
    labels.put(OWNER_LABEL, GceNames.safeLabelValue(run.owner()));
    labels.put(ATTEMPT_LABEL, Integer.toString(run.attempt()));

    Map<String, String> env = new LinkedHashMap<>(spec.env());
    env.put("MLCP_RUN_ID", run.id());
    env.put("MLCP_INPUTS", toJson(spec.inputs()));

    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("mlcp-run-id", run.id());
    metadata.put("mlcp-attempt", Integer.toString(run.attempt()));
    metadata.put("mlcp-image", spec.image());
    metadata.put("mlcp-command", toJson(spec.command()));
    metadata.put("mlcp-args", toJson(spec.args()));
    metadata.put("mlcp-env", toJson(env));
    metadata.put("mlcp-secrets", toJson(spec.secrets()));
    metadata.put("mlcp-inputs", toJson(spec.inputs()));
    if (!run.inputPlan().isEmpty()) {
      // What the agent materializes under /inputs/<n>/ before the container starts.
      metadata.put(INPUT_PLAN, toJson(run.inputPlan()));
    }
    metadata.put("mlcp-output-uri", outputUri(run));
    metadata.put("mlcp-topic", config.completionTopic());
    metadata.put("mlcp-accelerator-count", Integer.toString(spec.acceleratorCount()));
    metadata.put("startup-script", agentScript);
    // Guest attributes stay off; serial port logging stays on for debugging failed boots.
    metadata.put("enable-oslogin", "TRUE");

    boolean gpu = spec.acceleratorCount() > 0;
    if (gpu) {
      metadata.put("install-nvidia-driver", "True");
    }
    List<Accelerator> accelerators =
        gpu ? List.of(new Accelerator(spec.acceleratorType(), spec.acceleratorCount())) : List.of();
    return new InstanceSpec(
        run.instanceNameFor(run.attempt()),
        zones,
        machineType(spec),
        accelerators,
        new BootDisk(gpu ? config.gpuBootImage() : config.bootImage(), config.bootDiskGb(), null),
        run.spot(),
        labels,
        metadata,
        config
            .vmServiceAccount()
            .map(e -> new ServiceAccount(e, List.of(CLOUD_PLATFORM)))
            .orElse(null),
        limit(spec).plus(config.deleteGrace()),
        false);
  }

  /**
   * Bytes of metadata a VM of {@code spec} carries (keys and values, the agent script included):
   * GCE refuses more than 512 KB per instance, so a spec that cannot fit is refused at submit.
   */
  public int metadataBytes(RunSpec spec) {
    Run probe =
        Run.queued(
            "run-00000000000000000000000000",
            "probe@mlcp",
            RunOrigin.api("probe@mlcp"),
            spec,
            outputUri("run-00000000000000000000000000", spec),
            java.time.Instant.EPOCH,
            java.time.Instant.EPOCH,
            null,
            null,
            null);
    int total = 0;
    for (Map.Entry<String, String> e :
        instanceFor(probe.claim(java.time.Instant.EPOCH), zones(probe)).metadata().entrySet()) {
      total +=
          e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
              + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    return total;
  }

  /** Where the agent uploads the run's outputs, as derived at submit. */
  public String outputUri(Run run) {
    return run.outputUri() != null ? run.outputUri() : outputUri(run.id(), run.spec());
  }

  /**
   * Where the agent uploads run {@code id}'s outputs: the spec's output URI or the staging area.
   */
  public String outputUri(String id, RunSpec spec) {
    String base = spec.outputUri() != null ? spec.outputUri() : config.stagingUri();
    return (base.endsWith("/") ? base : base + "/") + id + "/";
  }

  private String toJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
