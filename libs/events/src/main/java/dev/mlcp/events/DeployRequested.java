package dev.mlcp.events;

/**
 * {@code dev.mlcp.deploy.requested.v1} on {@code deploy-requests}: Cloud Build, the REST API or the
 * auto-deploy policy asks serving-deployer to roll a model version out.
 *
 * @param requestKey idempotency key; null to let the event id serve
 * @param service the serving service (GCE stack or Cloud Run service) name
 * @param model model name
 * @param version model version, or null to take {@code alias}
 * @param alias model alias to resolve (e.g. {@code production}) when version is null
 * @param target {@code gce} or {@code cloud-run}
 * @param image the model-server container image
 * @param canaryPercent traffic share of the new revision at first; 100 for a direct cut-over
 * @param requestedBy email of the requester
 * @param strategy {@code direct} or {@code canary}; null: direct when canaryPercent is 100
 * @param steps canary traffic percents ending at 100, e.g. [10, 50, 100]; null: the default plan
 * @param bakeSeconds seconds each canary step bakes before its analysis; null: the default
 * @param requireApproval whether the step to 100 % waits for {@code :approve}
 * @param machineType GCE machine type; null: the default
 * @param minReplicas autoscaler lower bound; null: 1
 * @param maxReplicas autoscaler upper bound; null: the default
 * @param cpuTarget target CPU utilisation 0..1; null: the default
 * @param healthPath HTTP path of the health check; null: {@code /healthz}
 * @param env extra environment of the model server
 * @param openapi an OpenAPI document to roll out on Cloud Endpoints with the revision
 * @param endpointsService the Endpoints service name the document belongs to
 * @param sha256 the manifest digest the requester expects (refused if the registry differs)
 */
public record DeployRequested(
    String requestKey,
    String service,
    String model,
    String version,
    String alias,
    String target,
    String image,
    int canaryPercent,
    String requestedBy,
    String strategy,
    java.util.List<Integer> steps,
    Integer bakeSeconds,
    Boolean requireApproval,
    String machineType,
    Integer minReplicas,
    Integer maxReplicas,
    Double cpuTarget,
    String healthPath,
    java.util.Map<String, String> env,
    String openapi,
    String endpointsService,
    String sha256)
    implements MlcpEvent {
  public DeployRequested {
    Fields.required(service, "service");
    Fields.required(model, "model");
    if (version == null) {
      Fields.required(alias, "alias");
    }
    Fields.required(target, "target");
    if (canaryPercent < 0 || canaryPercent > 100) {
      throw new InvalidEventException(
          "canaryPercent", "must be between 0 and 100, was " + canaryPercent);
    }
    Fields.required(requestedBy, "requestedBy");
    steps = steps == null ? null : java.util.List.copyOf(steps);
    env = env == null ? java.util.Map.of() : java.util.Map.copyOf(env);
  }

  @Override
  public String subject() {
    return service;
  }
}
