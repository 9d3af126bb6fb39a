package dev.mlcp.registry.models.handlers;

import dev.mlcp.events.RunEvent;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.registry.models.RegistrationService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code run-events} ({@code dev.mlcp.run.succeeded.v1} only; other run events are acked and
 * skipped by the connector): a run's outputs become a model version, or its rejection says why; an
 * evaluation run's metrics land on the version it evaluated. Duplicates (same run) change nothing;
 * a transient failure throws, so Pub/Sub redelivers and the registration resumes where it stopped.
 */
@ApplicationScoped
public class RunEventsHandler {
  private static final Logger LOG = Logger.getLogger(RunEventsHandler.class);

  @Inject RegistrationService registrations;

  @Incoming("run-events")
  @Blocking(ordered = false)
  public void on(RunEvent.Succeeded succeeded, IncomingEvent event) {
    registrations
        .onSucceeded(succeeded)
        .ifPresent(
            r ->
                LOG.debugf(
                    "run.succeeded %s (%s): registration %s", event.id(), r.id(), r.state()));
  }
}
