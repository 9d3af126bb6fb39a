package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.experiments.notebooks.Reaper;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code POST /internal/reap}: Cloud Scheduler (and the local scheduler) calls it every five
 * minutes with its service account's token, listed in {@code mlcp.auth.admins}.
 */
@Path("/internal/reap")
public class ReapResource {
  @Inject Reaper reaper;
  @Inject Caller caller;

  @POST
  @Consumes(MediaType.WILDCARD) // Cloud Scheduler may send any body; it is ignored.
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Apply the notebook policy",
      description =
          "Warns before expiry, deletes expired VMs, stops idle ones (disk kept), deletes VMs"
              + " stopped too long and VMs with no experiment, records VMs gone behind its back."
              + " Safe to run concurrently.")
  public Reaper.Report reap() {
    caller.requireAdmin();
    return reaper.reap();
  }
}
