package dev.mlcp.serving.rollouts.api;

import dev.mlcp.serving.rollouts.Rollout;
import dev.mlcp.serving.rollouts.RolloutEngine;
import dev.mlcp.serving.rollouts.ServiceState;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code POST /internal/reconcile}: Cloud Scheduler calls it every minute (admin token): every
 * rollout not ended is advanced (bakes due, health waits, a rollout a killed deployer left
 * mid-step) and every outbox is drained.
 */
@Path("/internal/reconcile")
public class ReconcileResource {
  @Inject RolloutEngine engine;
  @Inject OutboxRelay<Rollout> relay;
  @Inject OutboxRelay<ServiceState> serviceRelay;
  @Inject Caller caller;

  /**
   * What one reconcile did.
   *
   * @param rollouts active rollouts advanced
   * @param published events published from outboxes
   * @param failed documents whose events could not be published yet
   */
  public record Report(int rollouts, int published, int failed) {}

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Resume rollouts and publish pending events (admin)")
  public Report reconcile() {
    caller.requireAdmin();
    int advanced = engine.advanceAll();
    OutboxRelay.Report a = relay.drainAll();
    OutboxRelay.Report b = serviceRelay.drainAll();
    return new Report(advanced, a.published() + b.published(), a.failed() + b.failed());
  }
}
