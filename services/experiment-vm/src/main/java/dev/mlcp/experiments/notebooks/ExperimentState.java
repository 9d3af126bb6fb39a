package dev.mlcp.experiments.notebooks;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a notebook VM: {@code PROVISIONING → RUNNING ⇄ STOPPED → DELETED}, or {@code
 * PROVISIONING → FAILED} when no VM could be made.
 */
public enum ExperimentState {
  /** Recorded; its VM is being created. */
  PROVISIONING,
  /** The VM runs. */
  RUNNING,
  /** The VM is stopped; its disk is kept and it can be started again. */
  STOPPED,
  /** The VM is gone (deleted, expired or lost). */
  DELETED,
  /** No VM was made (stockout, quota, refused): nothing was left behind. */
  FAILED;

  private static final Map<ExperimentState, Set<ExperimentState>> NEXT =
      Map.of(
          PROVISIONING, EnumSet.of(RUNNING, FAILED, DELETED),
          RUNNING, EnumSet.of(STOPPED, DELETED),
          STOPPED, EnumSet.of(RUNNING, DELETED),
          DELETED, EnumSet.noneOf(ExperimentState.class),
          FAILED, EnumSet.noneOf(ExperimentState.class));

  /** Whether the experiment is over; its name may be used again. */
  public boolean terminal() {
    return this == DELETED || this == FAILED;
  }

  /** Whether an experiment in this state may move to {@code next}. */
  public boolean canMoveTo(ExperimentState next) {
    return NEXT.get(this).contains(next);
  }
}
