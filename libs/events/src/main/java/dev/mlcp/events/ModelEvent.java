package dev.mlcp.events;

import java.util.List;
import java.util.Map;

/** {@code dev.mlcp.model.*.v1} on {@code model-versions}: the registry's decisions. */
public sealed interface ModelEvent extends MlcpEvent {
  /** Model name. */
  String model();

  /** Version within the model, e.g. {@code v7}. */
  String version();

  @Override
  default String subject() {
    return model();
  }

  /**
   * An immutable, checksummed model version exists in the registry.
   *
   * @param runId the training run that produced it
   * @param uri the version's registry prefix, {@code gs://…/models/<model>/<version>/}
   * @param sha256 checksum of the version's manifest, which lists every file's checksum
   * @param sizeBytes total size of the version's files
   * @param metrics evaluation metrics from the run's {@code metrics.json}
   */
  record Registered(
      String model,
      String version,
      String runId,
      String uri,
      String sha256,
      long sizeBytes,
      Map<String, Double> metrics)
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
   * @param promotedBy who or what promoted it
   */
  record Promoted(String model, String version, String alias, String uri, String promotedBy)
      implements ModelEvent {
    public Promoted {
      Fields.required(model, "model");
      Fields.required(version, "version");
      Fields.required(alias, "alias");
      Fields.uri(uri, "uri", "gs://");
    }
  }

  /**
   * A version failed the validation gate.
   *
   * @param failedChecks each check that failed, in words
   */
  record Rejected(String model, String version, String reason, List<String> failedChecks)
      implements ModelEvent {
    public Rejected {
      Fields.required(model, "model");
      Fields.required(version, "version");
      Fields.required(reason, "reason");
      failedChecks = Fields.list(failedChecks);
    }
  }
}
