package dev.mlcp.events;

import java.util.List;
import java.util.Map;

/**
 * What to train: the shape shared by the REST API, the {@code training.requested} event (Cloud
 * Scheduler, Cloud Build) and stored schedules. Only the structure is checked here; training-runner
 * applies the GCE and policy rules.
 *
 * @param name run name (GCE-name rules), also the model name the registry files it under
 * @param image container image, an Artifact Registry path
 * @param command entrypoint override; empty keeps the image's
 * @param args container arguments
 * @param env plain environment variables for the container
 * @param secrets Secret Manager secret names, resolved on the VM into the container's env
 * @param machineType GCE machine type; null for the service default
 * @param acceleratorType GCE accelerator type; null for none
 * @param acceleratorCount number of accelerators
 * @param spot whether to run on a Spot VM
 * @param onPreemption {@code retry}, {@code fallbackOnDemand} or {@code fail}; null for the default
 * @param zones zones in order of preference; empty for the service default
 * @param maxRunDurationSeconds hard limit of the run; 0 for the service default
 * @param inputs input URIs ({@code gs://…} or {@code bq://project.dataset.table})
 * @param outputUri where artifacts go ({@code gs://…}); null for the service default
 * @param labels user labels added to the run and its VM
 * @param next runs started when this one succeeds, with its artifact URI as their input
 */
public record RunSpec(
    String name,
    String image,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    List<String> secrets,
    String machineType,
    String acceleratorType,
    int acceleratorCount,
    boolean spot,
    String onPreemption,
    List<String> zones,
    long maxRunDurationSeconds,
    List<String> inputs,
    String outputUri,
    Map<String, String> labels,
    List<RunSpec> next) {
  public RunSpec {
    Fields.required(name, "spec.name");
    Fields.required(image, "spec.image");
    command = Fields.list(command);
    args = Fields.list(args);
    env = Fields.map(env);
    secrets = Fields.list(secrets);
    Fields.nonNegative(acceleratorCount, "spec.acceleratorCount");
    zones = Fields.list(zones);
    Fields.nonNegative(maxRunDurationSeconds, "spec.maxRunDurationSeconds");
    inputs = Fields.list(inputs);
    labels = Fields.map(labels);
    next = Fields.list(next);
  }

  /** This spec with {@code newInputs} as its inputs. */
  public RunSpec withInputs(List<String> newInputs) {
    return new RunSpec(
        name,
        image,
        command,
        args,
        env,
        secrets,
        machineType,
        acceleratorType,
        acceleratorCount,
        spot,
        onPreemption,
        zones,
        maxRunDurationSeconds,
        newInputs,
        outputUri,
        labels,
        next);
  }

  /** A minimal spec: name and image, everything else default. */
  public static RunSpec of(String name, String image) {
    return new RunSpec(
        name, image, null, null, null, null, null, null, 0, false, null, null, 0, null, null, null,
        null);
  }
}
