package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.experiments.notebooks.Experiment;
import dev.mlcp.experiments.notebooks.ExperimentService;
import dev.mlcp.experiments.notebooks.NotebookPolicy;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * Finds an experiment for the current caller: 404 when there is none, 403 when it is someone
 * else's.
 */
@RequestScoped
public class ExperimentAccess {
  @Inject ExperimentService service;
  @Inject Caller caller;

  /** The latest experiment named {@code name}, if the caller owns it or is an admin. */
  public Experiment owned(String name) {
    if (name == null || !NotebookPolicy.NAME.matcher(name).matches()) {
      throw new ApiException.NotFound("experiment", String.valueOf(name));
    }
    Experiment experiment =
        service.byName(name).orElseThrow(() -> new ApiException.NotFound("experiment", name));
    caller.requireOwnerOrAdmin(experiment.owner());
    return experiment;
  }
}
