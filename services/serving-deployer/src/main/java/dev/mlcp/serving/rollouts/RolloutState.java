package dev.mlcp.serving.rollouts;

/** Where a rollout is. */
public enum RolloutState {
  /** Accepted; the model is verified and the service claimed before anything is built. */
  QUEUED,
  /** The revision's stack is being created, step by step. */
  PROVISIONING,
  /** The revision exists; waiting until all its instances are healthy. */
  WAITING_HEALTHY,
  /** A traffic step is set; baking until the analysis is due. */
  BAKING,
  /** The analysis passed before 100 %; an approver must say go. */
  AWAITING_APPROVAL,
  /** Decided to roll back: the previous split is being restored. */
  ROLLING_BACK,
  /** Failed before traffic moved: the revision is being deleted. */
  FAILING,
  /** The revision serves its final share. */
  SUCCEEDED,
  /** Nothing serves differently than before. */
  FAILED,
  /** Traffic went back to the last known-good split. */
  ROLLED_BACK;

  /** Whether the rollout has ended. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == ROLLED_BACK;
  }
}
