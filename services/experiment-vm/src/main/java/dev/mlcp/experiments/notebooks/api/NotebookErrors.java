package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.experiments.notebooks.CapExceededException;
import dev.mlcp.experiments.notebooks.ExperimentConflictException;
import dev.mlcp.experiments.notebooks.InvalidExperimentException;
import dev.mlcp.experiments.notebooks.OwnerLimitExceededException;
import dev.mlcp.web.ApiException;
import java.util.function.Supplier;

/** The notebook domain's exceptions as API errors (capacity problems have their own mapper). */
final class NotebookErrors {
  private NotebookErrors() {}

  /** Runs {@code action}, answering domain refusals with the matching problem. */
  static <T> T call(Supplier<T> action) {
    try {
      return action.get();
    } catch (CapExceededException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    } catch (InvalidExperimentException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    } catch (OwnerLimitExceededException e) {
      throw new ApiException.LimitExceeded(e.getMessage(), null);
    } catch (ExperimentConflictException e) {
      throw new ApiException.Conflict(e.getMessage());
    }
  }
}
