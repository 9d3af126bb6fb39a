package dev.mlcp.training.runs.handlers;

import dev.mlcp.events.TrainingRequested;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.messaging.RejectedEventException;
import dev.mlcp.training.runs.IdempotencyKeyReusedException;
import dev.mlcp.training.runs.InvalidRunSpecException;
import dev.mlcp.training.runs.OwnerLimitExceededException;
import dev.mlcp.training.runs.RequestSources;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunOrigin;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.SecretNotUsableException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code training-requests}: Cloud Build, Cloud Scheduler or another allowed publisher asks for a
 * run. The publisher ({@code ce-source}) must be allowed to act for the owner it names; the request
 * key (or, without one, the event id) is the idempotency key, so a redelivered request starts no
 * second run. A request that will never be accepted (a publisher not allowed, a spec breaking the
 * rules) goes to {@code training-requests-dead-letter} at once with the reason; a transient failure
 * is redelivered.
 */
@ApplicationScoped
public class RequestHandler {
  private static final Logger LOG = Logger.getLogger(RequestHandler.class);

  @Inject RunService service;
  @Inject RequestSources sources;

  @Incoming("training-requests")
  @Blocking(ordered = false)
  public void on(TrainingRequested requested, IncomingEvent event) {
    String owner = requested.owner();
    if (!sources.mayActFor(event.source(), owner)) {
      throw new RejectedEventException(
          "publisher '"
              + event.source()
              + "' may not request runs for "
              + owner
              + " (mlcp.training.request-sources)");
    }
    String key = requested.requestKey() != null ? requested.requestKey() : "event:" + event.id();
    try {
      Run run =
          service.submit(
              new RunService.Submission(
                  owner, RunOrigin.pubsub(event.source()), requested.spec(), key, null));
      LOG.infof(
          "training request %s from %s → %s (%s)",
          event.id(), event.source(), run.id(), run.state());
    } catch (InvalidRunSpecException e) {
      throw new RejectedEventException("run spec rejected: " + e.getMessage(), e);
    } catch (IdempotencyKeyReusedException
        | SecretNotUsableException
        | OwnerLimitExceededException e) {
      throw new RejectedEventException(e.getMessage(), e);
    }
  }
}
