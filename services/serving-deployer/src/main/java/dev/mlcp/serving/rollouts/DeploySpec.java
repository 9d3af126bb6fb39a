package dev.mlcp.serving.rollouts;

import java.util.List;
import java.util.Map;

/**
 * What to deploy and how, as requested (REST body or {@code deploy.requested}).
 *
 * @param service the serving service
 * @param target {@code gce} or {@code cloudrun}
 * @param image the model-server image
 * @param model model name in the registry
 * @param version model version, or null to take {@code alias}
 * @param alias alias resolved when version is null (e.g. {@code production})
 * @param expectedSha256 the manifest digest the requester expects, or null
 * @param machineType GCE machine type
 * @param minReplicas autoscaler lower bound
 * @param maxReplicas autoscaler upper bound
 * @param cpuTarget target CPU utilisation 0..1
 * @param healthPath HTTP path probed
 * @param port the container's port
 * @param env extra container environment
 * @param strategy {@code direct} or {@code canary}
 * @param steps canary traffic percents, ascending, ending at 100
 * @param bakeSeconds seconds each step bakes before its analysis
 * @param requireApproval whether an approver must allow the step to 100 %
 * @param openapi an OpenAPI document to roll out on Cloud Endpoints with the revision, or null
 * @param endpointsService the Endpoints service name for {@code openapi}
 */
public record DeploySpec(
    String service,
    String target,
    String image,
    String model,
    String version,
    String alias,
    String expectedSha256,
    String machineType,
    int minReplicas,
    int maxReplicas,
    double cpuTarget,
    String healthPath,
    int port,
    Map<String, String> env,
    String strategy,
    List<Integer> steps,
    int bakeSeconds,
    boolean requireApproval,
    String openapi,
    String endpointsService) {

  public DeploySpec {
    env = env == null ? Map.of() : Map.copyOf(env);
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** Whether traffic moves in analysed steps. */
  public boolean canary() {
    return "canary".equals(strategy);
  }

  /** This spec for another model version (the auto-deploy policy). */
  public DeploySpec withVersion(String model, String newVersion) {
    return new DeploySpec(
        service,
        target,
        image,
        model,
        newVersion,
        null,
        null,
        machineType,
        minReplicas,
        maxReplicas,
        cpuTarget,
        healthPath,
        port,
        env,
        strategy,
        steps,
        bakeSeconds,
        requireApproval,
        null,
        null);
  }
}
