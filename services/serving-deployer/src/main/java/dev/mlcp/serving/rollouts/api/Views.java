package dev.mlcp.serving.rollouts.api;

import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.serving.rollouts.Rollout;
import dev.mlcp.serving.rollouts.ServiceState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the API shows. */
final class Views {
  private Views() {}

  /**
   * A service.
   *
   * @param name service name
   * @param target gce or cloudrun
   * @param url where it answers
   * @param traffic the split the load balancer (or Cloud Run, or the local proxy) holds now
   * @param knownGood the last split a rollout succeeded with
   * @param activeRollout the rollout holding the service
   * @param revisions revisions not deleted, newest first
   * @param updatedAt last change
   */
  record ServiceView(
      String name,
      String target,
      String url,
      Map<String, Integer> traffic,
      Map<String, Integer> knownGood,
      String activeRollout,
      List<RevisionView> revisions,
      Instant updatedAt) {}

  /**
   * A revision.
   *
   * @param revision id
   * @param model model
   * @param version model version it serves
   * @param sha256 the version's manifest digest
   * @param uri the version's registry prefix
   * @param image model-server image
   * @param status PROVISIONING, READY, FAILED, DELETED
   * @param trafficPercent its share now
   * @param health its instances' health now (null in listings)
   * @param rolloutId the rollout that made it
   * @param createdAt when
   */
  record RevisionView(
      String revision,
      String model,
      String version,
      String sha256,
      String uri,
      String image,
      ServiceState.RevisionStatus status,
      int trafficPercent,
      ServingStack.RevisionHealth health,
      String rolloutId,
      Instant createdAt) {}

  /** A page of services. */
  record ServicePage(List<ServiceView> services, String nextPageToken) {}

  /** A page of rollouts. */
  record RolloutPage(List<RolloutView> rollouts, String nextPageToken) {}

  /**
   * A rollout.
   *
   * @param id dep-…
   * @param service service
   * @param state where it is
   * @param revision its revision
   * @param model model
   * @param version model version
   * @param sha256 verified manifest digest
   * @param target gce or cloudrun
   * @param strategy direct or canary
   * @param steps traffic percents
   * @param trafficPercent the share set last
   * @param stepsDone provisioning steps done
   * @param lastVerdict the last analysis
   * @param reason why it failed or rolled back
   * @param requestedBy who asked
   * @param origin api, pubsub:source or auto:model@alias
   * @param approvedBy approver
   * @param endpointsConfig Endpoints config rolled out
   * @param createdAt accepted
   * @param finishedAt ended
   * @param history state changes
   */
  record RolloutView(
      String id,
      String service,
      String state,
      String revision,
      String model,
      String version,
      String sha256,
      String target,
      String strategy,
      List<Integer> steps,
      int trafficPercent,
      List<String> stepsDone,
      String lastVerdict,
      String reason,
      String requestedBy,
      String origin,
      String approvedBy,
      String endpointsConfig,
      Instant createdAt,
      Instant finishedAt,
      List<Rollout.Transition> history) {

    static RolloutView of(Rollout r) {
      return new RolloutView(
          r.id(),
          r.service(),
          r.state().name(),
          r.revision(),
          r.spec().model(),
          r.version(),
          r.modelSha256(),
          r.spec().target(),
          r.spec().strategy(),
          r.steps().isEmpty() ? r.spec().steps() : r.steps(),
          r.percent(),
          r.stepsDone(),
          r.lastVerdict(),
          r.reason(),
          r.requestedBy(),
          r.origin(),
          r.approvedBy(),
          r.endpointsConfig(),
          r.createdAt(),
          r.finishedAt(),
          r.history());
    }
  }
}
