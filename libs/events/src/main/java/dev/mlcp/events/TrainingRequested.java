package dev.mlcp.events;

/**
 * {@code dev.mlcp.training.requested.v1}: somebody (Cloud Scheduler, Cloud Build, the REST API)
 * asks for a training run.
 *
 * @param requestKey idempotency key: the same key yields the same run; null to let the event id
 *     serve
 * @param owner email of the person or service account the run belongs to
 * @param spec what to run
 */
public record TrainingRequested(String requestKey, String owner, RunSpec spec)
    implements MlcpEvent {
  public TrainingRequested {
    Fields.required(owner, "owner");
    Fields.required(spec, "spec");
  }

  @Override
  public String subject() {
    return spec.name();
  }
}
