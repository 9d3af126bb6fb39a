package dev.mlcp.training.runs;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.TrainingRequested;
import dev.mlcp.messaging.EventMessages;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * {@code training-requests}: Cloud Scheduler, Cloud Build or anyone with publish rights asks for a
 * run. The request key (or, without one, the event id) is the idempotency key, so a redelivered
 * request starts no second run. A request that cannot be read or whose spec breaks the rules is
 * nacked: after five attempts it lands on {@code training-requests-dead-letter}, where it can be
 * inspected; nothing is dropped silently.
 */
@ApplicationScoped
public class RequestHandler {
  private static final Logger LOG = Logger.getLogger(RequestHandler.class);

  @Inject RunService service;
  @Inject CloudEventCodec codec;

  @Incoming("training-requests")
  @Blocking(ordered = false)
  public CompletionStage<Void> onRequested(Message<byte[]> message) {
    EventEnvelope<MlcpEvent> envelope;
    try {
      envelope = EventMessages.decode(codec, message);
    } catch (RuntimeException e) {
      LOG.warnf("unreadable training request (will be dead-lettered): %s", e.getMessage());
      return message.nack(e);
    }
    if (!(envelope.data() instanceof TrainingRequested requested)) {
      LOG.warnf("training-requests carries %s; dead-lettering it", envelope.type().type());
      return message.nack(new IllegalArgumentException("not a training request"));
    }
    String key = requested.requestKey() != null ? requested.requestKey() : "event:" + envelope.id();
    try {
      Run run = service.submit(requested.owner(), requested.spec(), key, null);
      LOG.infof(
          "training request %s from %s → %s (%s)",
          envelope.id(), envelope.source(), run.id(), run.state());
      return message.ack();
    } catch (InvalidRunSpecException e) {
      LOG.errorf(
          "training request %s from %s rejected (will be dead-lettered): %s",
          envelope.id(), envelope.source(), e.getMessage());
      return message.nack(e);
    } catch (RuntimeException e) {
      LOG.warnf(
          "training request %s not applied (will be redelivered): %s", envelope.id(), e.toString());
      return message.nack(e);
    }
  }
}
