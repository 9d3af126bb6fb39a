package dev.mlcp.training.runs.handlers;

import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.messaging.IncomingEvent;
import dev.mlcp.training.runs.RunService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code training-completed}: a VM agent reports its container's end. The run is marked, its event
 * published and its VM's deletion requested (not awaited), well inside the push deadline. Returning
 * acks; an exception nacks, so Pub/Sub redelivers and finally dead-letters. Duplicates and late
 * reports change nothing.
 */
@ApplicationScoped
public class CompletionHandler {
  @Inject RunService service;

  @Incoming("training-completed")
  @Blocking(ordered = false)
  public void on(TrainingCompleted completed, IncomingEvent event) {
    service.complete(
        new EventEnvelope<>(event.id(), event.source(), event.time(), event.subject(), completed));
  }
}
