package dev.mlcp.registry.models.api;

import dev.mlcp.registry.models.Reconciler;
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
      summary = "Reconcile the registry",
      description =
          "Publishes pending events, resumes registrations whose worker died (staging is deleted"
              + " only once the version and its rows are durable), expires evaluations that never"
              + " reported and writes warehouse rows left behind. Safe to run concurrently.")
  public Reconciler.Report reconcile() {
    caller.requireAdmin();
    return reconciler.reconcile();
  }
}
