package dev.mlcp.events;

import java.util.List;

/**
 * How a run came to be and what it read: what the registry records as a model version's lineage,
 * and what decides whether its outputs may become one (only runs requested by an identity allowed
 * to publish models are registrable).
 *
 * @param requestedVia {@code api} (REST), {@code pubsub} (training-requests: Cloud Build, Cloud
 *     Scheduler), {@code schedule} (a stored schedule) or {@code follow-up} (a parent's success)
 * @param requestedBy the REST caller's email, or the Pub/Sub request's {@code ce-source}, or the
 *     schedule name, or the parent run id
 * @param parentRunId the run whose success started this one, null for none
 * @param inputs the run's inputs (URIs), as resolved at submit
 * @param command entrypoint override
 * @param args container arguments
 * @param envNames names of the plain environment variables (values are not recorded)
 * @param secretNames names of the secrets the run read (never values)
 * @param zone the zone the successful attempt ran in
 */
public record RunProvenance(
    String requestedVia,
    String requestedBy,
    String parentRunId,
    List<String> inputs,
    List<String> command,
    List<String> args,
    List<String> envNames,
    List<String> secretNames,
    String zone) {
  public RunProvenance {
    inputs = Fields.list(inputs);
    command = Fields.list(command);
    args = Fields.list(args);
    envNames = Fields.list(envNames);
    secretNames = Fields.list(secretNames);
  }
}
