package dev.mlcp.training.runs.api;

import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunRepository;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.regex.Pattern;

/** Finds a run for the current caller: 404 when there is none, 403 when it is someone else's. */
@RequestScoped
public class RunAccess {
  private static final Pattern RUN_ID = Pattern.compile("run-[0-9a-z]{26}");

  @Inject RunRepository runs;
  @Inject Caller caller;

  /** The run, if the caller owns it or is an admin. */
  public Run owned(String id) {
    if (id == null || !RUN_ID.matcher(id).matches()) {
      throw new ApiException.NotFound("run", String.valueOf(id));
    }
    Run run = runs.find(id).orElseThrow(() -> new ApiException.NotFound("run", id));
    caller.requireOwnerOrAdmin(run.owner());
    return run;
  }
}
