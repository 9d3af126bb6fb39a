package dev.mlcp.training.runs;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a training run. {@code QUEUED → PROVISIONING → RUNNING → SUCCEEDED | FAILED |
 * CANCELLED}, and a preempted Spot VM takes {@code PREEMPTED → RETRYING → PROVISIONING}.
 */
public enum RunState {
  QUEUED,
  PROVISIONING,
  RUNNING,
  PREEMPTED,
  RETRYING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  private static final Map<RunState, Set<RunState>> NEXT =
      Map.of(
          QUEUED, EnumSet.of(PROVISIONING, FAILED, CANCELLED),
          PROVISIONING, EnumSet.of(RUNNING, SUCCEEDED, FAILED, CANCELLED, PREEMPTED, RETRYING),
          RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, PREEMPTED),
          PREEMPTED, EnumSet.of(RETRYING, FAILED, CANCELLED),
          RETRYING, EnumSet.of(PROVISIONING, FAILED, CANCELLED),
          SUCCEEDED, EnumSet.noneOf(RunState.class),
          FAILED, EnumSet.noneOf(RunState.class),
          CANCELLED, EnumSet.noneOf(RunState.class));

  /** Whether the run is over: its VM must be gone and nothing changes it any more. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** Whether a run in this state may move to {@code next}. */
  public boolean canMoveTo(RunState next) {
    return NEXT.get(this).contains(next);
  }
}
