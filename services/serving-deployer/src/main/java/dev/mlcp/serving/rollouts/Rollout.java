package dev.mlcp.serving.rollouts;

import dev.mlcp.events.DeployEvent;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One deployment of a model version to a serving service, and the rules of its life. Each
 * transition returns the next rollout (with its events in the outbox) or this very instance when it
 * does not apply, so a compare-and-set writes nothing; {@link RolloutEngine} performs the side
 * effects between transitions, so a deployer killed between any two resumes from the last one
 * written.
 *
 * @param id {@code dep-…}
 * @param service the serving service
 * @param spec what was requested
 * @param thresholds the analysis thresholds of this rollout
 * @param requestKey idempotency key, or null
 * @param requestedBy who asked (email or publisher)
 * @param origin {@code api}, {@code pubsub:<source>} or {@code auto:<model>@<alias>}
 * @param state where it is
 * @param version the model version (resolved from the alias), once verified
 * @param modelUri the version's registry prefix, once verified
 * @param modelSha256 the version's manifest digest, once verified
 * @param revision the revision id, once the service is claimed
 * @param previous the known-good split when the rollout began (what a rollback restores)
 * @param steps the traffic percents this rollout goes through
 * @param stepIndex the step set last, -1 before traffic moved
 * @param stepsDone provisioning steps completed
 * @param bakeUntil when the current step's analysis is due
 * @param healthDeadline when waiting for health gives up
 * @param inconclusive inconclusive analyses of the current step
 * @param approvedBy who approved the step to 100 %, if anyone
 * @param endpointsConfig the Endpoints config rolled out with it, if any
 * @param lastVerdict the last analysis, in words
 * @param reason why it failed or rolled back
 * @param createdAt accepted at
 * @param updatedAt last change
 * @param finishedAt ended at
 * @param history every state change
 * @param outbox events not yet published
 */
public record Rollout(
    String id,
    String service,
    DeploySpec spec,
    Thresholds thresholds,
    String requestKey,
    String requestedBy,
    String origin,
    RolloutState state,
    String version,
    String modelUri,
    String modelSha256,
    String revision,
    Map<String, Integer> previous,
    List<Integer> steps,
    int stepIndex,
    List<String> stepsDone,
    Instant bakeUntil,
    Instant healthDeadline,
    int inconclusive,
    String approvedBy,
    String endpointsConfig,
    String lastVerdict,
    String reason,
    Instant createdAt,
    Instant updatedAt,
    Instant finishedAt,
    List<Transition> history,
    Outbox outbox)
    implements Document<Rollout> {

  public Rollout {
    previous = previous == null ? Map.of() : new LinkedHashMap<>(previous);
    steps = steps == null ? List.of() : List.copyOf(steps);
    stepsDone = stepsDone == null ? List.of() : List.copyOf(stepsDone);
    history = history == null ? List.of() : List.copyOf(history);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /**
   * One state change.
   *
   * @param state the new state
   * @param at when
   * @param detail why, in words
   */
  public record Transition(RolloutState state, Instant at, String detail) {}

  /** A new QUEUED rollout. */
  public static Rollout queued(
      String id,
      DeploySpec spec,
      Thresholds thresholds,
      String requestKey,
      String requestedBy,
      String origin,
      Instant now) {
    return new Rollout(
        id,
        spec.service(),
        spec,
        thresholds,
        requestKey,
        requestedBy,
        origin,
        RolloutState.QUEUED,
        spec.version(),
        null,
        null,
        null,
        Map.of(),
        List.of(),
        -1,
        List.of(),
        null,
        null,
        0,
        null,
        null,
        null,
        null,
        now,
        now,
        null,
        List.of(new Transition(RolloutState.QUEUED, now, null)),
        Outbox.empty());
  }

  @Override
  public Rollout withOutbox(Outbox next) {
    return copy(b -> b.outbox = next);
  }

  /** The traffic percent of the step set last (0 before traffic moved). */
  public int percent() {
    return stepIndex < 0 ? 0 : steps.get(stepIndex);
  }

  /** Whether the model was verified. */
  public boolean verified() {
    return modelSha256 != null;
  }

  /** The split that sends {@code percent} to this revision and the rest as before. */
  public Map<String, Integer> splitAt(int percent) {
    Map<String, Integer> out = new LinkedHashMap<>();
    int rest = 100 - percent;
    int before = previous.values().stream().mapToInt(Integer::intValue).sum();
    List<Map.Entry<String, Integer>> old = new ArrayList<>(previous.entrySet());
    old.removeIf(e -> e.getKey().equals(revision));
    int given = 0;
    for (int i = 0; i < old.size(); i++) {
      int share =
          i == old.size() - 1
              ? rest - given
              : before == 0 ? 0 : (int) Math.floor(rest * old.get(i).getValue() / (double) before);
      given += share;
      out.put(old.get(i).getKey(), share);
    }
    out.put(revision, percent + (old.isEmpty() ? rest : 0));
    return out;
  }

  // ---- transitions ------------------------------------------------------------------------

  /** QUEUED: the registry verified the version. */
  public Rollout verified(String resolvedVersion, String uri, String sha256, Instant now) {
    if (state != RolloutState.QUEUED || verified()) {
      return this;
    }
    return copy(
        b -> {
          b.version = resolvedVersion;
          b.modelUri = uri;
          b.modelSha256 = sha256;
          b.updatedAt = now;
        });
  }

  /** QUEUED → PROVISIONING: the service is claimed and the revision named. */
  public Rollout claimed(String rev, Map<String, Integer> knownGood, Instant now) {
    if (state != RolloutState.QUEUED || !verified()) {
      return this;
    }
    List<Integer> plan =
        knownGood.isEmpty() || !spec.canary() || spec.steps().isEmpty()
            ? List.of(100)
            : spec.steps();
    Rollout next =
        copy(
            b -> {
              b.revision = rev;
              b.previous = new LinkedHashMap<>(knownGood);
              b.steps = plan;
            });
    return next.moveTo(RolloutState.PROVISIONING, now, "revision " + rev)
        .emit(
            new DeployEvent.Started(
                id, service, rev, spec.model(), version, modelUri, spec.target()),
            now);
  }

  /** PROVISIONING: one step of the stack is done. */
  public Rollout stepDone(String step, Instant now) {
    if (state != RolloutState.PROVISIONING || stepsDone.contains(step)) {
      return this;
    }
    List<String> done = new ArrayList<>(stepsDone);
    done.add(step);
    return copy(b -> {
          b.stepsDone = done;
          b.updatedAt = now;
        })
        .emit(new DeployEvent.Progressed(id, service, revision, step, 0), now);
  }

  /** PROVISIONING → WAITING_HEALTHY. */
  public Rollout provisioned(Instant now) {
    if (state != RolloutState.PROVISIONING) {
      return this;
    }
    Instant deadline = now.plusSeconds(thresholds.healthTimeoutSeconds());
    return copy(b -> b.healthDeadline = deadline).moveTo(RolloutState.WAITING_HEALTHY, now, null);
  }

  /** WAITING_HEALTHY: the OpenAPI config was rolled out on Cloud Endpoints. */
  public Rollout endpointsRolledOut(String configId, Instant now) {
    if (state != RolloutState.WAITING_HEALTHY || endpointsConfig != null) {
      return this;
    }
    return copy(b -> {
          b.endpointsConfig = configId;
          b.updatedAt = now;
        })
        .emit(
            new DeployEvent.Progressed(id, service, revision, "endpoints-config-rolled-out", 0),
            now);
  }

  /**
   * WAITING_HEALTHY, BAKING or AWAITING_APPROVAL → BAKING (or SUCCEEDED at 100 %): step {@code
   * index}'s split is set.
   */
  public Rollout shifted(int index, String url, Instant now) {
    boolean from =
        state == RolloutState.WAITING_HEALTHY
            || state == RolloutState.BAKING
            || state == RolloutState.AWAITING_APPROVAL;
    if (!from || index != stepIndex + 1 || index >= steps.size()) {
      return this;
    }
    int p = steps.get(index);
    Rollout next =
        copy(b -> {
              b.stepIndex = index;
              b.inconclusive = 0;
              b.bakeUntil = now.plusSeconds(spec.bakeSeconds());
            })
            .emit(new DeployEvent.Progressed(id, service, revision, "traffic-" + p, p), now);
    if (p == 100) {
      return next.moveTo(RolloutState.SUCCEEDED, now, lastVerdict)
          .finish(now)
          .emit(new DeployEvent.Succeeded(id, service, revision, 100, url), now);
    }
    return next.moveTo(RolloutState.BAKING, now, p + " %");
  }

  /** BAKING: too little traffic to judge; bake again. */
  public Rollout held(String verdict, Instant now) {
    if (state != RolloutState.BAKING) {
      return this;
    }
    return copy(
        b -> {
          b.inconclusive = inconclusive + 1;
          b.bakeUntil = now.plusSeconds(Math.max(1, spec.bakeSeconds()));
          b.lastVerdict = "inconclusive: " + verdict;
          b.updatedAt = now;
        });
  }

  /** BAKING: the analysis passed; record it (the next step is set by {@link #shifted}). */
  public Rollout passed(String verdict, Instant now) {
    if (state != RolloutState.BAKING) {
      return this;
    }
    boolean approval = spec.requireApproval() && steps.get(stepIndex + 1) == 100;
    Rollout next =
        copy(
            b -> {
              b.lastVerdict = "passed at " + percent() + " %: " + verdict;
              b.updatedAt = now;
            });
    return approval
        ? next.moveTo(RolloutState.AWAITING_APPROVAL, now, "analysis passed; approval needed")
        : next;
  }

  /** AWAITING_APPROVAL: an approver allowed the step to 100 %. */
  public Rollout approved(String by, Instant now) {
    if (state != RolloutState.AWAITING_APPROVAL || approvedBy != null) {
      return this;
    }
    return copy(
        b -> {
          b.approvedBy = by;
          b.updatedAt = now;
        });
  }

  /** Traffic moved (or may have): → ROLLING_BACK, restoring {@link #previous}. */
  public Rollout rollingBack(String why, Instant now) {
    if (state != RolloutState.BAKING
        && state != RolloutState.AWAITING_APPROVAL
        && state != RolloutState.WAITING_HEALTHY) {
      return this;
    }
    return copy(b -> b.reason = why).moveTo(RolloutState.ROLLING_BACK, now, why);
  }

  /** ROLLING_BACK → ROLLED_BACK: the previous split serves again. */
  public Rollout rolledBack(Instant now) {
    if (state != RolloutState.ROLLING_BACK) {
      return this;
    }
    String to =
        previous.entrySet().stream()
            .max(Map.Entry.comparingByValue())
            .map(Map.Entry::getKey)
            .orElse("none");
    return moveTo(RolloutState.ROLLED_BACK, now, reason)
        .finish(now)
        .emit(new DeployEvent.RolledBack(id, service, revision, to, reason), now);
  }

  /** Before traffic moved: → FAILING (the revision is deleted), or FAILED when none exists. */
  public Rollout failing(String why, Instant now) {
    if (state != RolloutState.QUEUED
        && state != RolloutState.PROVISIONING
        && state != RolloutState.WAITING_HEALTHY) {
      return this;
    }
    if (revision == null) {
      return copy(b -> b.reason = why)
          .moveTo(RolloutState.FAILED, now, why)
          .finish(now)
          .emit(new DeployEvent.Failed(id, service, null, why), now);
    }
    return copy(b -> b.reason = why).moveTo(RolloutState.FAILING, now, why);
  }

  /** FAILING → FAILED: the revision's parts are gone. */
  public Rollout failed(Instant now) {
    if (state != RolloutState.FAILING) {
      return this;
    }
    return moveTo(RolloutState.FAILED, now, reason)
        .finish(now)
        .emit(new DeployEvent.Failed(id, service, revision, reason), now);
  }

  /** Whether the analysis of the current step is due at {@code now}. */
  public boolean due(Instant now) {
    return bakeUntil == null || !now.isBefore(bakeUntil);
  }

  /** Time left until the analysis. */
  public Duration untilDue(Instant now) {
    return bakeUntil == null || now.isAfter(bakeUntil)
        ? Duration.ZERO
        : Duration.between(now, bakeUntil);
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private Rollout moveTo(RolloutState to, Instant now, String detail) {
    List<Transition> h = new ArrayList<>(history);
    h.add(new Transition(to, now, detail));
    return copy(
        b -> {
          b.state = to;
          b.updatedAt = now;
          b.history = h;
        });
  }

  private Rollout finish(Instant now) {
    return copy(b -> b.finishedAt = now);
  }

  private Rollout emit(dev.mlcp.events.MlcpEvent event, Instant now) {
    return withOutbox(outbox.add(id, event, now));
  }

  private Rollout copy(java.util.function.Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  /** Mutable copy for transitions. */
  private static final class Builder {
    String id;
    String service;
    DeploySpec spec;
    Thresholds thresholds;
    String requestKey;
    String requestedBy;
    String origin;
    RolloutState state;
    String version;
    String modelUri;
    String modelSha256;
    String revision;
    Map<String, Integer> previous;
    List<Integer> steps;
    int stepIndex;
    List<String> stepsDone;
    Instant bakeUntil;
    Instant healthDeadline;
    int inconclusive;
    String approvedBy;
    String endpointsConfig;
    String lastVerdict;
    String reason;
    Instant createdAt;
    Instant updatedAt;
    Instant finishedAt;
    List<Transition> history;
    Outbox outbox;

    Builder(Rollout r) {
      id = r.id;
      service = r.service;
      spec = r.spec;
      thresholds = r.thresholds;
      requestKey = r.requestKey;
      requestedBy = r.requestedBy;
      origin = r.origin;
      state = r.state;
      version = r.version;
      modelUri = r.modelUri;
      modelSha256 = r.modelSha256;
      revision = r.revision;
      previous = r.previous;
      steps = r.steps;
      stepIndex = r.stepIndex;
      stepsDone = r.stepsDone;
      bakeUntil = r.bakeUntil;
      healthDeadline = r.healthDeadline;
      inconclusive = r.inconclusive;
      approvedBy = r.approvedBy;
      endpointsConfig = r.endpointsConfig;
      lastVerdict = r.lastVerdict;
      reason = r.reason;
      createdAt = r.createdAt;
      updatedAt = r.updatedAt;
      finishedAt = r.finishedAt;
      history = r.history;
      outbox = r.outbox;
    }

    Rollout build() {
      return new Rollout(
          id,
          service,
          spec,
          thresholds,
          requestKey,
          requestedBy,
          origin,
          state,
          version,
          modelUri,
          modelSha256,
          revision,
          previous,
          steps,
          stepIndex,
          stepsDone,
          bakeUntil,
          healthDeadline,
          inconclusive,
          approvedBy,
          endpointsConfig,
          lastVerdict,
          reason,
          createdAt,
          updatedAt,
          finishedAt,
          history,
          outbox);
    }
  }
}
