package dev.mlcp.events;

/** {@code dev.mlcp.deploy.*.v1} on {@code deploy-events}: a rollout's progress. */
public sealed interface DeployEvent extends MlcpEvent {
  /** The deployment, {@code dep-<ulid>}. */
  String deploymentId();

  /** The serving service. */
  String service();

  @Override
  default String subject() {
    return service();
  }

  /** A rollout began: the revision serves the given model version. */
  record Started(
      String deploymentId,
      String service,
      String revision,
      String model,
      String version,
      String weightsUri,
      String target)
      implements DeployEvent {
    public Started {
      Fields.required(deploymentId, "deploymentId");
      Fields.required(service, "service");
      Fields.required(revision, "revision");
      Fields.required(model, "model");
      Fields.required(version, "version");
    }
  }

  /** A rollout step completed (e.g. {@code instance-group-created}, {@code canary-10}). */
  record Progressed(
      String deploymentId, String service, String revision, String step, int trafficPercent)
      implements DeployEvent {
    public Progressed {
      Fields.required(deploymentId, "deploymentId");
      Fields.required(service, "service");
      Fields.required(revision, "revision");
      Fields.required(step, "step");
    }
  }

  /** The revision serves the given share of traffic and is healthy. */
  record Succeeded(
      String deploymentId, String service, String revision, int trafficPercent, String url)
      implements DeployEvent {
    public Succeeded {
      Fields.required(deploymentId, "deploymentId");
      Fields.required(service, "service");
      Fields.required(revision, "revision");
    }
  }

  /** The rollout failed; traffic stays where it was. */
  record Failed(String deploymentId, String service, String revision, String reason)
      implements DeployEvent {
    public Failed {
      Fields.required(deploymentId, "deploymentId");
      Fields.required(service, "service");
      Fields.required(reason, "reason");
    }
  }

  /** Traffic went back from one revision to another. */
  record RolledBack(
      String deploymentId, String service, String fromRevision, String toRevision, String reason)
      implements DeployEvent {
    public RolledBack {
      Fields.required(deploymentId, "deploymentId");
      Fields.required(service, "service");
      Fields.required(fromRevision, "fromRevision");
      Fields.required(toRevision, "toRevision");
      Fields.required(reason, "reason");
    }
  }
}
