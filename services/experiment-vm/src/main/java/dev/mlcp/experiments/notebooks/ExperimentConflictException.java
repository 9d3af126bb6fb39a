package dev.mlcp.experiments.notebooks;

/**
 * The request conflicts with the experiment's state: the name is taken by a live experiment, the VM
 * cannot be started because it expired, ...: 409.
 */
public class ExperimentConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ExperimentConflictException(String message) {
    super(message);
  }
}
