package dev.mlcp.events;

import java.util.List;
import java.util.Map;

/** {@code dev.mlcp.model.*.v1} on {@code model-versions}: the registry's decisions. */
public sealed interface ModelEvent extends MlcpEvent {
  /** Model name. */
  String model();

  /**
   * Version within the model, e.g. {@code v7}; null only in a {@link Rejected} of a run that never
   * became a version.
   */
  String version();

  @Override
  default String subject() {
    return model();
  }

  /**
   * An immutable, checksummed model version exists in the registry.
   *
   * @param runId the training run that produced it
   * @param uri the version's registry prefix, {@code gs://…/models/<model>/versions/<n>/}
   * @param sha256 checksum of the version's manifest ({@code <uri>manifest.json}), which lists
   *     every file's checksum: the version's identity
   * @param sizeBytes total size of the version's files
   * @param metrics evaluation metrics from the run's {@code metrics.json}
   * @param owner the model's owner (null from producers before it was added)
   */
  record Registered(
      String model,
      String version,
      String runId,
      String uri,
      String sha256,
      long sizeBytes,
      Map<String, Double> metrics,
      String owner)
      implements ModelEvent {
    public Registered {
      Fields.required(model, "model");
      Fields.required(version, "version");
      Fields.required(runId, "runId");
      Fields.uri(uri, "uri", "gs://");
      Fields.required(sha256, "sha256");
      metrics = Fields.map(metrics);
    }
  }

  /**
   * A version passed the validation gate and now carries an alias (e.g. {@code production}).
   *
   * @param alias the alias moved to this version
   * @param uri the version's registry prefix
   * @param promotedBy who or what promoted it ({@code gate}, or the caller's email)
   * @param fromVersion the version the alias pointed at before, null when it was unset
   * @param reason why, in words (the gate's checks, or the caller's reason)
   * @param via {@code gate}, {@code manual} (the owner, for an unprotected alias or a version that
   *     passed the gate) or {@code admin} (an admin's override of a protected alias)
   */
  record Promoted(
      String model,
      String version,
      String alias,
      String uri,
      String promotedBy,
      String fromVersion,
      String reason,
      String via)
      implements ModelEvent {
    public Promoted {
      Fields.required(model, "model");
      Fields.required(version, "version");
      Fields.required(alias, "alias");
      Fields.uri(uri, "uri", "gs://");
    }
  }

  /**
   * A version failed the validation gate, or a run's outputs were not registered (then {@code
   * version} is null: an ad-hoc run, empty staging, a malformed {@code metrics.json}).
   *
   * @param version the version, null when the run's outputs did not become one
   * @param reason what happened, in words a person can act on
   * @param failedChecks each check that failed, in words
   * @param runId the run whose outputs were judged (null from producers before it was added)
   */
  record Rejected(
      String model, String version, String reason, List<String> failedChecks, String runId)
      implements ModelEvent {
    public Rejected {
      Fields.required(model, "model");
      Fields.required(reason, "reason");
      failedChecks = Fields.list(failedChecks);
    }
  }
}
