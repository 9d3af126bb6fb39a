package dev.mlcp.messaging;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.pubsub.v1.GetTopicRequest;
import com.google.pubsub.v1.ListTopicsRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: Pub/Sub answers a cheap admin call within {@code mlcp.pubsub.health-timeout}, the
 * provisioning (when on) is done and every pull channel pulls. Any answer from Pub/Sub, even "not
 * found" or "permission denied", proves it reachable; only no answer (down, unreachable, deadline)
 * is DOWN.
 */
@Readiness
@ApplicationScoped
public class PubSubReadiness implements HealthCheck {
  private static final Set<StatusCode.Code> UNREACHABLE =
      Set.of(
          StatusCode.Code.UNAVAILABLE,
          StatusCode.Code.DEADLINE_EXCEEDED,
          StatusCode.Code.UNKNOWN,
          StatusCode.Code.CANCELLED);

  @Inject PubSubClients clients;
  @Inject Provisioner provisioner;
  @Inject ChannelRegistry channels;
  @Inject PubSubConfig config;

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response =
        HealthCheckResponse.named("Pub/Sub").withData("project", clients.projectId());
    config.emulatorHost().ifPresent(host -> response.withData("emulator", host));
    String reachability = probe(config.healthTimeout());
    List<String> idle = channels.idlePullChannels();
    boolean provisioned = provisioner.settled();
    response.withData("reachable", reachability);
    if (provisioner.enabled()) {
      response.withData("provisioned", provisioned);
    }
    if (!idle.isEmpty()) {
      response.withData("pull channels not running", String.join(",", idle));
    }
    return response.status("yes".equals(reachability) && provisioned && idle.isEmpty()).build();
  }

  /** "yes", or why Pub/Sub did not answer. */
  private String probe(Duration timeout) {
    Future<?> call;
    try {
      List<String> topics = List.copyOf(channels.topics().values());
      call =
          topics.isEmpty()
              ? clients
                  .topicAdmin()
                  .listTopicsCallable()
                  .futureCall(
                      ListTopicsRequest.newBuilder()
                          .setProject("projects/" + clients.projectId())
                          .setPageSize(1)
                          .build())
              : clients
                  .topicAdmin()
                  .getTopicCallable()
                  .futureCall(
                      GetTopicRequest.newBuilder()
                          .setTopic(clients.topicPath(topics.get(0)))
                          .build());
    } catch (RuntimeException e) {
      return "no: " + e.getMessage();
    }
    try {
      call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return "yes";
    } catch (TimeoutException e) {
      call.cancel(true);
      return "no: no answer within " + timeout;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApiException api
          && !UNREACHABLE.contains(api.getStatusCode().getCode())) {
        return "yes";
      }
      return "no: " + e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "no: interrupted";
    }
  }
}
