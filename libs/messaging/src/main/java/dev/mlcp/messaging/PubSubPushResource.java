package dev.mlcp.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The push endpoint of every {@code mode=push} channel. Answers 204 only after the handler acked
 * (Pub/Sub then deletes the message); a nack, a handler failure or no answer within {@code
 * mlcp.pubsub.push.handler-timeout} gives 503 so Pub/Sub redelivers and, after the subscription's
 * maximum attempts, dead-letters. Requests that are not a well-formed push envelope get 400, an
 * unknown channel 404, a missing or unacceptable token (in {@code google-oidc} mode) 401, all as
 * {@code application/problem+json}.
 */
@Path("/pubsub/push")
public class PubSubPushResource {
  private static final Logger LOG = Logger.getLogger(PubSubPushResource.class);

  @Inject ChannelRegistry channels;
  @Inject PushAuthorizer authorizer;
  @Inject SecurityIdentity identity;
  @Inject ObjectMapper json;
  @Inject PubSubConfig config;

  /** Receives one push for {@code channel}. */
  @POST
  @Path("/{channel}")
  @Consumes(MediaType.WILDCARD)
  public Uni<Response> push(@PathParam("channel") String channel, byte[] body) {
    String instance = "/pubsub/push/" + channel;
    Optional<String> refusal = authorizer.refusal(identity);
    if (refusal.isPresent()) {
      LOG.warnf("Refused push to %s: %s", channel, refusal.get());
      return problem("unauthenticated", "Unauthenticated push", 401, refusal.get(), instance);
    }
    Optional<PushChannel> target = channels.push(channel);
    if (target.isEmpty()) {
      return problem(
          "unknown-channel",
          "Unknown push channel",
          404,
          "no incoming channel '"
              + channel
              + "' in mode=push; known: "
              + channels.pushChannelNames()
              + ". Point the push subscription at /pubsub/push/<channel>.",
          instance);
    }
    PushEnvelope envelope;
    try {
      envelope = PushEnvelope.parse(json, body);
    } catch (PushEnvelope.MalformedException e) {
      return problem("malformed-push", "Malformed push envelope", 400, e.getMessage(), instance);
    }
    Duration timeout = config.push().handlerTimeout();
    String messageId = envelope.metadata().messageId();
    return Uni.createFrom()
        .completionStage(() -> target.get().dispatch(envelope.data(), envelope.metadata()))
        .ifNoItem()
        .after(timeout)
        .failWith(() -> new TimeoutException("handler did not ack within " + timeout))
        .map(ok -> Response.noContent().build())
        .onFailure()
        .recoverWithItem(failure -> rejected(channel, messageId, failure, instance));
  }

  private Response rejected(String channel, String messageId, Throwable failure, String instance) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    LOG.debugf("Push %s to %s not acked: %s", messageId, channel, cause);
    String detail =
        cause instanceof PushChannel.PushUnavailableException || cause instanceof TimeoutException
            ? cause.getMessage() + "; Pub/Sub will redeliver"
            : "handler rejected message " + messageId + "; Pub/Sub will redeliver it";
    return Problem.of("not-acked", "Message not acknowledged", 503, detail, instance)
        .toResponse(json);
  }

  private Uni<Response> problem(
      String kind, String title, int status, String detail, String instance) {
    return Uni.createFrom()
        .item(Problem.of(kind, title, status, detail, instance).toResponse(json));
  }
}
