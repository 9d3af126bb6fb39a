package dev.mlcp.training.runs;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.messaging.EventMessages;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * {@code training-completed}: a VM agent reports its container's end. Marks the run, deletes the VM
 * and publishes the outcome; duplicates and late reports change nothing. A message that cannot be
 * applied is nacked, so Pub/Sub redelivers it and finally dead-letters it.
 */
@ApplicationScoped
public class CompletionHandler {
  private static final Logger LOG = Logger.getLogger(CompletionHandler.class);

  @Inject RunService service;
  @Inject CloudEventCodec codec;

  @Incoming("training-completed")
  @Blocking(ordered = false)
  public CompletionStage<Void> onCompleted(Message<byte[]> message) {
    try {
      EventEnvelope<MlcpEvent> envelope = EventMessages.decode(codec, message);
      if (!(envelope.data() instanceof TrainingCompleted done)) {
        throw new IllegalArgumentException(
            "training-completed carries " + envelope.type().type() + ", expected completions only");
      }
      service.complete(
          new EventEnvelope<>(
              envelope.id(), envelope.source(), envelope.time(), envelope.subject(), done));
      return message.ack();
    } catch (RuntimeException e) {
      LOG.warnf("completion message not applied (will be redelivered): %s", e.toString());
      return message.nack(e);
    }
  }
}
