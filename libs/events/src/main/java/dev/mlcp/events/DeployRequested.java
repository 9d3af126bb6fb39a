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
    String requestedBy)
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
  }

  @Override
  public String subject() {
    return service;
  }
}
