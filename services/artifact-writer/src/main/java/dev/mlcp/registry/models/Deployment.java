package dev.mlcp.registry.models;

import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One rollout of a model version by serving-deployer, as its {@code deploy-events} told it: which
 * service and revision, how far it got and when. Only {@code deploy.started} names the model
 * version; the other events name the rollout, so a rollout whose later events arrive first is kept
 * without a version until its start arrives (and is invisible to lineage until then).
 *
 * <p>Every transition is monotone, so redeliveries and out-of-order events never move a rollout
 * backwards: the state only climbs {@code STARTED < PROGRESSING < SUCCEEDED | FAILED <
 * ROLLED_BACK}, the traffic share only grows while the rollout runs, steps are a set, and a
 * transition that adds nothing returns {@code this} (no write).
 *
 * @param id {@code <service>.<deploymentId>}
 * @param deploymentId serving-deployer's rollout id
 * @param service the serving service
 * @param revision the revision the rollout created, null until an event names it
 * @param model the model deployed, null until {@code deploy.started} arrived
 * @param version its version number, 0 until then
 * @param target where it serves ({@code cloud-run}, {@code gce}, …), from the start
 * @param state how far the rollout got
 * @param trafficPercent the revision's traffic share: the highest reported while it rolls out, 0
 *     once rolled back
 * @param steps the rollout steps reported done, in arrival order
 * @param url where the revision serves, once it succeeded
 * @param reason why it failed or was rolled back
 * @param rolledBackTo the revision traffic went back to
 * @param startedAt when the rollout started (the start event's time), null until known
 * @param updatedAt the time of the latest event applied
 * @param finishedAt when it succeeded, failed or was rolled back
 * @param createdAt when the registry first heard of it
 * @param outbox always empty: recording a rollout emits nothing
 */
public record Deployment(
    String id,
    String deploymentId,
    String service,
    String revision,
    String model,
    int version,
    String target,
    DeploymentState state,
    int trafficPercent,
    List<String> steps,
    String url,
    String reason,
    String rolledBackTo,
    Instant startedAt,
    Instant updatedAt,
    Instant finishedAt,
    Instant createdAt,
    Outbox outbox)
    implements Document<Deployment> {

  /** At most this many distinct steps are kept (a rollout has a handful). */
  static final int MAX_STEPS = 32;

  public Deployment {
    steps = steps == null ? List.of() : List.copyOf(steps);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /** A rollout's states, in the order they may be reached. */
  public enum DeploymentState {
    /** The revision is being created for the version. */
    STARTED(0),
    /** A step of the rollout completed (stack created, traffic share set). */
    PROGRESSING(1),
    /** The revision serves its full share and is healthy. */
    SUCCEEDED(2),
    /** The rollout failed; traffic stayed where it was. */
    FAILED(2),
    /** Traffic went back from this revision to another. */
    ROLLED_BACK(3);

    private final int rank;

    DeploymentState(int rank) {
      this.rank = rank;
    }

    /** Whether the rollout has ended (success, failure or roll-back). */
    public boolean ended() {
      return rank >= 2;
    }
  }

  /** The document id of rollout {@code deploymentId} of {@code service}. */
  public static String idOf(String service, String deploymentId) {
    return service + "." + deploymentId;
  }

  /**
   * A rollout first heard of by an event of time {@code at} (applied next), its version not yet
   * known.
   */
  public static Deployment heard(String service, String deploymentId, Instant at, Instant now) {
    return new Deployment(
        idOf(service, deploymentId),
        deploymentId,
        service,
        null,
        null,
        0,
        null,
        DeploymentState.STARTED,
        0,
        List.of(),
        null,
        null,
        null,
        null,
        at,
        null,
        now,
        Outbox.empty());
  }

  /** Whether the version it deploys is known. */
  public boolean versionKnown() {
    return model != null && version > 0;
  }

  /** {@code deploy.started}: the version, revision and start time; the state stays where it is. */
  public Deployment started(String rev, String modelName, int n, String where, Instant at) {
    if (versionKnown()) {
      return this;
    }
    return new Deployment(
        id,
        deploymentId,
        service,
        revision == null ? rev : revision,
        modelName,
        n,
        where,
        state,
        trafficPercent,
        steps,
        url,
        reason,
        rolledBackTo,
        at,
        later(at),
        finishedAt,
        createdAt,
        outbox);
  }

  /** {@code deploy.progressed}: a step done, a traffic share set (ignored once it ended). */
  public Deployment progressed(String rev, String step, int percent, Instant at) {
    if (state.ended()) {
      return revision == null && rev != null ? withRevision(rev) : this;
    }
    boolean newStep = !steps.contains(step) && steps.size() < MAX_STEPS;
    int traffic = Math.max(trafficPercent, percent);
    if (!newStep
        && traffic == trafficPercent
        && state == DeploymentState.PROGRESSING
        && (revision != null || rev == null)) {
      return this;
    }
    List<String> nextSteps = new ArrayList<>(steps);
    if (newStep) {
      nextSteps.add(step);
    }
    return new Deployment(
        id,
        deploymentId,
        service,
        revision == null ? rev : revision,
        model,
        version,
        target,
        DeploymentState.PROGRESSING,
        traffic,
        nextSteps,
        url,
        reason,
        rolledBackTo,
        startedAt,
        later(at),
        finishedAt,
        createdAt,
        outbox);
  }

  /** {@code deploy.succeeded}: the revision serves its share (ignored once it ended). */
  public Deployment succeeded(String rev, int percent, String where, Instant at) {
    if (state.ended()) {
      return this;
    }
    return ended(DeploymentState.SUCCEEDED, rev, percent, where, null, null, at);
  }

  /** {@code deploy.failed} (ignored once it ended). */
  public Deployment failed(String rev, String why, Instant at) {
    if (state.ended()) {
      return this;
    }
    return ended(DeploymentState.FAILED, rev, trafficPercent, url, why, null, at);
  }

  /**
   * {@code deploy.rolledback} away from {@code from}: applies only when {@code from} is this
   * rollout's revision (a manual split names the service's last rollout, which may not be the
   * revision that lost traffic), once.
   */
  public Deployment rolledBack(String from, String to, String why, Instant at) {
    if (state == DeploymentState.ROLLED_BACK || (revision != null && !revision.equals(from))) {
      return this;
    }
    return ended(DeploymentState.ROLLED_BACK, from, 0, url, why, to, at);
  }

  private Deployment ended(
      DeploymentState next,
      String rev,
      int percent,
      String where,
      String why,
      String to,
      Instant at) {
    return new Deployment(
        id,
        deploymentId,
        service,
        revision == null ? rev : revision,
        model,
        version,
        target,
        next,
        percent,
        steps,
        where == null ? url : where,
        why,
        to,
        startedAt,
        later(at),
        at,
        createdAt,
        outbox);
  }

  private Deployment withRevision(String rev) {
    return new Deployment(
        id,
        deploymentId,
        service,
        rev,
        model,
        version,
        target,
        state,
        trafficPercent,
        steps,
        url,
        reason,
        rolledBackTo,
        startedAt,
        updatedAt,
        finishedAt,
        createdAt,
        outbox);
  }

  private Instant later(Instant at) {
    return updatedAt == null || at.isAfter(updatedAt) ? at : updatedAt;
  }

  @Override
  public Deployment withOutbox(Outbox next) {
    return new Deployment(
        id,
        deploymentId,
        service,
        revision,
        model,
        version,
        target,
        state,
        trafficPercent,
        steps,
        url,
        reason,
        rolledBackTo,
        startedAt,
        updatedAt,
        finishedAt,
        createdAt,
        next);
  }
}
