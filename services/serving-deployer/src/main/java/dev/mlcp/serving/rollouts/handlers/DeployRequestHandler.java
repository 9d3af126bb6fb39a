package dev.mlcp.serving.rollouts.handlers;

import dev.mlcp.events.DeployRequested;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.messaging.RejectedEventException;
import dev.mlcp.serving.rollouts.DeployException;
import dev.mlcp.serving.rollouts.DeployPolicy;
import dev.mlcp.serving.rollouts.DeployService;
import dev.mlcp.serving.rollouts.DeploySpec;
import dev.mlcp.serving.rollouts.Rollout;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code deploy-requests}: the Cloud Build trigger (or another configured publisher) asks for a
 * rollout. Only publishers listed in {@code mlcp.serving.request-sources} are believed; the request
 * key (or the event id) makes a redelivered or duplicated request the same rollout. A request that
 * will never be accepted goes to {@code deploy-requests-dead-letter} at once with the reason.
 */
@ApplicationScoped
public class DeployRequestHandler {
  private static final Logger LOG = Logger.getLogger(DeployRequestHandler.class);

  @Inject DeployService service;
  @Inject DeployPolicy policy;

  @Incoming("deploy-requests")
  @Blocking(ordered = false)
  public void on(DeployRequested request, IncomingEvent event) {
    if (!policy.trustsSource(event.source())) {
      throw new RejectedEventException(
          "publisher '"
              + event.source()
              + "' may not request deployments (mlcp.serving.request-sources)");
    }
    String key = request.requestKey() != null ? request.requestKey() : "event:" + event.id();
    try {
      Rollout r =
          service.deploy(spec(request), key, request.requestedBy(), "pubsub:" + event.source());
      LOG.infof(
          "deploy request %s from %s → %s (%s)", event.id(), event.source(), r.id(), r.state());
    } catch (DeployException e) {
      throw new RejectedEventException(
          "deploy request rejected: "
              + (e.field() == null ? "" : e.field() + ": ")
              + e.getMessage(),
          e);
    }
  }

  static DeploySpec spec(DeployRequested r) {
    String strategy = r.strategy();
    List<Integer> steps = r.steps();
    if (strategy == null) {
      strategy = r.canaryPercent() >= 100 ? "direct" : "canary";
      if (steps == null && r.canaryPercent() > 0 && r.canaryPercent() < 100) {
        steps =
            r.canaryPercent() < 50
                ? List.of(r.canaryPercent(), 50, 100)
                : List.of(r.canaryPercent(), 100);
      }
    }
    return new DeploySpec(
        r.service(),
        r.target(),
        r.image(),
        r.model(),
        r.version(),
        r.alias(),
        r.sha256(),
        r.machineType(),
        r.minReplicas() == null ? 0 : r.minReplicas(),
        r.maxReplicas() == null ? 0 : r.maxReplicas(),
        r.cpuTarget() == null ? 0 : r.cpuTarget(),
        r.healthPath(),
        0,
        r.env(),
        strategy,
        steps,
        r.bakeSeconds() == null ? 0 : r.bakeSeconds(),
        Boolean.TRUE.equals(r.requireApproval()),
        r.openapi(),
        r.endpointsService());
  }
}
