package dev.mlcp.registry.models.handlers;

import dev.mlcp.events.DeployEvent;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.registry.models.DeploymentRecorder;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code deploy-events} (every {@code dev.mlcp.deploy.*.v1} but {@code requested}):
 * serving-deployer's rollouts recorded on the versions they deploy, for lineage. A redelivered or
 * late event changes nothing; an event naming a version this registry does not hold is logged and
 * acked (it would never succeed); a transient failure throws, so Pub/Sub redelivers.
 */
@ApplicationScoped
public class DeployEventsHandler {
  private static final Logger LOG = Logger.getLogger(DeployEventsHandler.class);

  @Inject DeploymentRecorder deployments;

  @Incoming("deploy-events")
  @Blocking(ordered = false)
  public void on(DeployEvent deploy, IncomingEvent event) {
    DeploymentRecorder.Recorded r = deployments.record(deploy, event.time());
    if (r.outcome() == DeploymentRecorder.Outcome.IGNORED) {
      LOG.warnf("%s %s not recorded: %s", event.type().type(), event.id(), r.reason());
    } else {
      LOG.debugf(
          "%s %s: deployment %s %s (%s)",
          event.type().type(),
          event.id(),
          r.deployment().id(),
          r.deployment().state(),
          r.outcome());
    }
  }
}
