package dev.mlcp.serving.rollouts.handlers;

import dev.mlcp.events.ModelEvent;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.serving.rollouts.DeployPolicy;
import dev.mlcp.serving.rollouts.DeployService;
import dev.mlcp.serving.rollouts.Rollout;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code model-versions}: {@code model.registered} records the version's manifest digest (a deploy
 * of a version whose registry manifest differs is refused); {@code model.promoted} starts the
 * auto-deploy of every service that follows the model's alias ({@code mlcp.serving.auto-deploy}).
 */
@ApplicationScoped
public class ModelVersionsHandler {
  private static final Logger LOG = Logger.getLogger(ModelVersionsHandler.class);

  @Inject DeployService service;
  @Inject DeployPolicy policy;

  @Incoming("model-versions")
  @Blocking(ordered = false)
  public void on(ModelEvent event, IncomingEvent incoming) {
    if (event instanceof ModelEvent.Registered r) {
      service.registered(r.model(), r.version(), r.sha256());
    } else if (event instanceof ModelEvent.Promoted p) {
      for (Rollout r :
          service.promoted(policy, p.model(), p.version(), p.alias(), p.promotedBy())) {
        LOG.infof(
            "%s %s promoted to %s (%s) → rollout %s of %s",
            p.model(), p.version(), p.alias(), incoming.id(), r.id(), r.service());
      }
    }
  }
}
