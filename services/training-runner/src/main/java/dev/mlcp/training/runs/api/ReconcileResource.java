package dev.mlcp.training.runs.api;

import dev.mlcp.training.runs.Reconciler;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code POST /internal/reconcile}: Cloud Scheduler calls it every minute with its service
 * account's token (listed in {@code mlcp.auth.admins}).
 */
@Path("/internal/reconcile")
public class ReconcileResource {
  @Inject Reconciler reconciler;
  @Inject Caller caller;

  @POST
  @Consumes(MediaType.WILDCARD) // Cloud Scheduler may send any body; it is ignored.
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Reconcile VMs with runs",
      description =
          "Deletes VMs without a live run, past their deadline or stopped; retries preempted Spot"
              + " runs; fails runs whose VM vanished. Safe to run concurrently.")
  public Reconciler.Report reconcile() {
    caller.requireAdmin();
    return reconciler.reconcile();
  }
}
