package dev.mlcp.serving.rollouts;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.serving.ApiConfigs;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.RevisionMetrics.RequestStats;
import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.platform.serving.ServingStacks;
import dev.mlcp.state.Change;
import dev.mlcp.state.OutboxRelay;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drives rollouts: each call to {@link #advance} reads the rollout, performs the side effect its
 * state calls for (verify, claim, build, wait for health, shift traffic, analyse, roll back, clean
 * up) and records the result with one compare-and-set transition, until the rollout must wait (a
 * bake, health, approval, another rollout holding the service) or ends. Every side effect is
 * idempotent, so a deployer killed anywhere resumes from the last transition written: on restart,
 * from the timer or from {@code POST /internal/reconcile}.
 */
public class RolloutEngine {
  private static final Logger LOG = Logger.getLogger(RolloutEngine.class.getName());
  private static final int MAX_STEPS_PER_CALL = 40;
  private static final int FINGERPRINT_RETRIES = 5;

  /**
   * How revisions are built and kept.
   *
   * @param keepRevisions revisions kept (serving ones included) when older ones are collected
   * @param startupScript the VM agent, the GCE instances' startup script
   * @param serviceAccount identity of serving instances, or null for the adapter's default
   */
  public record Settings(int keepRevisions, String startupScript, String serviceAccount) {}

  private final RolloutRepository repo;
  private final ServingStacks stacks;
  private final RevisionMetrics metrics;
  private final ApiConfigs apiConfigs;
  private final ModelRegistry registry;
  private final OutboxRelay<Rollout> relay;
  private final OutboxRelay<ServiceState> serviceRelay;
  private final Clock clock;
  private final Settings settings;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  public RolloutEngine(
      RolloutRepository repo,
      ServingStacks stacks,
      RevisionMetrics metrics,
      ApiConfigs apiConfigs,
      ModelRegistry registry,
      OutboxRelay<Rollout> relay,
      OutboxRelay<ServiceState> serviceRelay,
      Clock clock,
      Settings settings) {
    this.repo = repo;
    this.stacks = stacks;
    this.metrics = metrics;
    this.apiConfigs = apiConfigs;
    this.registry = registry;
    this.relay = relay;
    this.serviceRelay = serviceRelay;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * Advances the rollout as far as it can go now; another thread of this process advancing it makes
   * this call return at once.
   *
   * @return the rollout as it stands afterwards
   */
  public Optional<Rollout> advance(String id) {
    ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
    if (!lock.tryLock()) {
      return repo.rollout(id);
    }
    try {
      Rollout current = repo.rollout(id).orElse(null);
      for (int i = 0; current != null && i < MAX_STEPS_PER_CALL; i++) {
        Rollout next = step(current);
        if (!next.outbox().isEmpty()) {
          relay.drain(id);
        }
        if (next.updatedAt().equals(current.updatedAt()) && next.state() == current.state()) {
          break;
        }
        current = repo.rollout(id).orElse(next);
      }
      return Optional.ofNullable(current);
    } finally {
      lock.unlock();
      if (!lock.hasQueuedThreads()) {
        locks.remove(id, lock);
      }
    }
  }

  /** Advances every rollout that has not ended; the reconciler and the timer call it. */
  public int advanceAll() {
    int n = 0;
    for (String id : repo.activeIds().toList()) {
      try {
        advance(id);
        n++;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "rollout " + id + " not advanced: " + e, e);
      }
    }
    return n;
  }

  private Rollout step(Rollout r) {
    return switch (r.state()) {
      case QUEUED -> queued(r);
      case PROVISIONING -> provisioning(r);
      case WAITING_HEALTHY -> waitingHealthy(r);
      case BAKING -> baking(r);
      case AWAITING_APPROVAL -> r.approvedBy() == null ? r : shift(r, r.stepIndex() + 1);
      case ROLLING_BACK -> rollingBack(r);
      case FAILING -> failing(r);
      case SUCCEEDED, FAILED, ROLLED_BACK -> ended(r);
    };
  }

  private Rollout apply(Rollout r, UnaryOperator<Rollout> change) {
    return repo.update(r.id(), change).map(Change::after).orElse(r);
  }

  private ServingStack stack(Rollout r) {
    return stacks.of(ServingStack.Target.parse(r.spec().target()));
  }

  // ---- QUEUED: verify, then claim the service ------------------------------------------------

  private Rollout queued(Rollout r) {
    Instant now = clock.instant();
    if (!r.verified()) {
      ModelRegistry.VerifiedVersion v;
      try {
        String version =
            r.spec().version() != null
                ? r.spec().version()
                : registry.resolveAlias(r.spec().model(), r.spec().alias());
        v = registry.verify(r.spec().model(), version);
      } catch (ModelRegistry.VerificationFailedException e) {
        return apply(
            r, x -> x.failing("model not verified by the registry: " + e.getMessage(), now));
      } catch (ModelRegistry.RegistryUnavailableException e) {
        LOG.info("rollout " + r.id() + " waits for the registry: " + e.getMessage());
        return r;
      }
      Optional<String> registered = repo.registeredDigest(v.model(), v.version());
      if (registered.isPresent() && !registered.get().equalsIgnoreCase(v.sha256())) {
        String why =
            "digest mismatch: the registry's manifest of "
                + v.model()
                + " "
                + v.version()
                + " has SHA-256 "
                + v.sha256()
                + ", model.registered announced "
                + registered.get();
        return apply(r, x -> x.failing(why, now));
      }
      if (r.spec().expectedSha256() != null
          && !r.spec().expectedSha256().equalsIgnoreCase(v.sha256())) {
        String why =
            "digest mismatch: the request expects "
                + r.spec().expectedSha256()
                + ", the registry's manifest has "
                + v.sha256();
        return apply(r, x -> x.failing(why, now));
      }
      if (v.uri() == null || !v.uri().startsWith("gs://")) {
        return apply(r, x -> x.failing("the registry gave no gs:// URI for the version", now));
      }
      String uri = v.uri().endsWith("/") ? v.uri() : v.uri() + "/";
      r = apply(r, x -> x.verified(v.version(), uri, v.sha256(), now));
      if (!r.verified()) {
        return r;
      }
    }
    repo.serviceOrCreate(ServiceState.fresh(r.service(), r.spec().target(), now));
    Rollout fixed = r;
    ServiceState service =
        repo.updateService(r.service(), s -> s.claim(fixed, now)).map(Change::after).orElseThrow();
    if (!fixed.id().equals(service.activeRollout())) {
      // Another rollout holds the service: wait, unless it ended and its process died before
      // releasing the service (then release it for it and claim again).
      Optional<Rollout> holder = repo.rollout(service.activeRollout());
      if (holder.isPresent() && holder.get().state().terminal()) {
        release(holder.get());
        service =
            repo.updateService(r.service(), s -> s.claim(fixed, now))
                .map(Change::after)
                .orElseThrow();
      }
      if (!fixed.id().equals(service.activeRollout())) {
        return r;
      }
    }
    if (!service.target().equals(fixed.spec().target())) {
      String why =
          "service "
              + fixed.service()
              + " runs on "
              + service.target()
              + ", not "
              + fixed.spec().target();
      return apply(fixed, x -> x.failing(why, now));
    }
    String revision = service.revisionOf(fixed.id()).orElseThrow().revision();
    Map<String, Integer> knownGood = positive(service.knownGood());
    return apply(fixed, x -> x.claimed(revision, knownGood, now));
  }

  private static Map<String, Integer> positive(Map<String, Integer> split) {
    Map<String, Integer> out = new LinkedHashMap<>();
    split.forEach(
        (k, v) -> {
          if (v > 0) {
            out.put(k, v);
          }
        });
    return out;
  }

  // ---- PROVISIONING ---------------------------------------------------------------------------

  private ServingStack.RevisionSpec revisionSpec(Rollout r) {
    DeploySpec s = r.spec();
    Map<String, String> metadata = new LinkedHashMap<>();
    if (settings.startupScript() != null) {
      metadata.put("startup-script", settings.startupScript());
    }
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("mlcp-rollout", r.id());
    return new ServingStack.RevisionSpec(
        r.service(),
        r.revision(),
        s.image(),
        r.modelUri(),
        r.modelSha256(),
        s.machineType(),
        s.minReplicas(),
        s.maxReplicas(),
        s.cpuTarget(),
        s.healthPath(),
        s.port(),
        settings.serviceAccount(),
        s.env(),
        metadata,
        labels);
  }

  private Rollout provisioning(Rollout r) {
    try {
      stack(r)
          .ensureRevision(
              revisionSpec(r),
              step -> {
                Instant at = clock.instant();
                repo.update(r.id(), x -> x.stepDone(step, at));
              });
    } catch (PlatformException e) {
      if (e.isTransient()) {
        LOG.info("rollout " + r.id() + ": " + e.getMessage() + "; retried later");
        return repo.rollout(r.id()).orElse(r);
      }
      Instant now = clock.instant();
      return apply(r, x -> x.failing(e.getMessage(), now));
    }
    Instant now = clock.instant();
    return apply(r, x -> x.provisioned(now));
  }

  // ---- WAITING_HEALTHY ------------------------------------------------------------------------

  private Rollout waitingHealthy(Rollout r) {
    Instant now = clock.instant();
    ServingStack.RevisionHealth health = stack(r).revisionHealth(r.service(), r.revision());
    if (!health.allHealthy()) {
      if (r.healthDeadline() != null && now.isAfter(r.healthDeadline())) {
        String why =
            "revision not healthy after "
                + r.thresholds().healthTimeoutSeconds()
                + " s: "
                + health.healthy()
                + " of "
                + health.instances()
                + " instances healthy"
                + (health.detail() == null ? "" : " (" + health.detail() + ")");
        return apply(r, x -> x.failing(why, now));
      }
      return r;
    }
    if (r.spec().openapi() != null && r.endpointsConfig() == null) {
      try {
        ApiConfigs.Rollout rolled =
            apiConfigs.submitAndRollOut(r.spec().endpointsService(), r.spec().openapi());
        r = apply(r, x -> x.endpointsRolledOut(rolled.configId(), now));
      } catch (PlatformException e) {
        if (e.isTransient()) {
          return r;
        }
        return apply(
            r, x -> x.failing("Cloud Endpoints refused the config: " + e.getMessage(), now));
      }
    }
    return shift(r, 0);
  }

  // ---- traffic --------------------------------------------------------------------------------

  private Rollout shift(Rollout r, int index) {
    Map<String, Integer> split = r.splitAt(r.steps().get(index));
    ServingStack.Traffic set = setSplit(r, stack(r), r.service(), split);
    Instant now = clock.instant();
    repo.updateService(r.service(), s -> s.trafficSet(set.percents(), set.url(), now));
    Rollout next = apply(r, x -> x.shifted(index, set.url(), now));
    if (next.state().terminal()) {
      release(next);
    }
    return next;
  }

  /** Sets a split, re-reading the fingerprint when another writer changed it in between. */
  static ServingStack.Traffic setSplit(
      Rollout r, ServingStack stack, String service, Map<String, Integer> split) {
    for (int attempt = 0; ; attempt++) {
      ServingStack.Traffic current = stack.traffic(service);
      if (positive(current.percents()).equals(positive(split))) {
        return current;
      }
      try {
        return stack.setTraffic(service, split, current.fingerprint());
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT || attempt >= FINGERPRINT_RETRIES) {
          throw e;
        }
      }
    }
  }

  // ---- BAKING: analysis -----------------------------------------------------------------------

  private Rollout baking(Rollout r) {
    Instant now = clock.instant();
    if (!r.due(now)) {
      return r;
    }
    ServingStack stack = stack(r);
    ServingStack.Target target = stack.target();
    // A held step keeps watching: its analysis covers every bake interval since the step began,
    // so a quiet service gathers the minimum requests instead of being judged on one interval.
    long bake = Math.max(1, r.spec().bakeSeconds());
    Instant since = r.bakeUntil().minusSeconds(bake * (1L + r.inconclusive()));
    RequestStats canary = metrics.stats(target, r.service(), r.revision(), since, now);
    String stable = ServiceState.main(r.previous());
    RequestStats baseline =
        stable == null
            ? RequestStats.none()
            : metrics.stats(target, r.service(), stable, since, now);
    CanaryAnalysis.Verdict verdict =
        CanaryAnalysis.judge(
            stack.revisionHealth(r.service(), r.revision()), canary, baseline, r.thresholds());
    LOG.info(
        "rollout "
            + r.id()
            + " at "
            + r.percent()
            + " %: "
            + verdict.outcome()
            + " ("
            + verdict.reason()
            + ")");
    return switch (verdict.outcome()) {
      case PASS -> {
        Rollout passed = apply(r, x -> x.passed(verdict.reason(), now));
        yield passed.state() == RolloutState.BAKING
            ? shift(passed, passed.stepIndex() + 1)
            : passed;
      }
      case FAIL ->
          apply(
              r,
              x ->
                  x.rollingBack(
                      "canary analysis failed at " + r.percent() + " %: " + verdict.reason(), now));
      case INCONCLUSIVE ->
          r.inconclusive() + 1 > r.thresholds().maxInconclusive()
              ? apply(
                  r,
                  x ->
                      x.rollingBack(
                          "canary analysis inconclusive "
                              + (r.inconclusive() + 1)
                              + " times at "
                              + r.percent()
                              + " %: "
                              + verdict.reason(),
                          now))
              : apply(r, x -> x.held(verdict.reason(), now));
    };
  }

  // ---- ending ---------------------------------------------------------------------------------

  private Rollout rollingBack(Rollout r) {
    ServingStack stack = stack(r);
    Map<String, Integer> restore = positive(r.previous());
    ServingStack.Traffic set =
        restore.isEmpty() ? stack.traffic(r.service()) : setSplit(r, stack, r.service(), restore);
    Instant now = clock.instant();
    repo.updateService(r.service(), s -> s.trafficSet(set.percents(), set.url(), now));
    Rollout next = apply(r, x -> x.rolledBack(now));
    release(next);
    return next;
  }

  private Rollout failing(Rollout r) {
    try {
      stack(r).deleteRevision(r.service(), r.revision(), step -> {});
    } catch (PlatformException e) {
      if (e.isTransient()) {
        return r;
      }
      if (e.kind() != PlatformException.Kind.NOT_FOUND) {
        LOG.warning("rollout " + r.id() + ": revision not deleted: " + e.getMessage());
      }
    }
    Instant now = clock.instant();
    Rollout next = apply(r, x -> x.failed(now));
    release(next);
    return next;
  }

  private Rollout ended(Rollout r) {
    release(r);
    return r;
  }

  /** Releases the service after a rollout ended and collects old revisions. */
  private void release(Rollout r) {
    if (!r.state().terminal()) {
      return;
    }
    Instant now = clock.instant();
    Optional<Change<ServiceState>> change =
        repo.updateService(r.service(), s -> s.released(r, now));
    if (change.isPresent() && change.get().changed()) {
      collect(r.service(), stack(r));
    }
  }

  /**
   * Deletes revisions beyond the newest {@code keepRevisions} (and failed ones) that receive no
   * traffic, while no rollout holds the service.
   *
   * @return the revisions deleted
   */
  public List<String> collect(String service, ServingStack stack) {
    ServiceState s = repo.service(service).orElse(null);
    if (s == null || s.activeRollout() != null) {
      return List.of();
    }
    List<String> deleted = new java.util.ArrayList<>();
    for (String revision : s.collectable(settings.keepRevisions())) {
      try {
        stack.deleteRevision(service, revision, step -> {});
        Instant now = clock.instant();
        repo.updateService(service, x -> x.deleted(revision, now));
        deleted.add(revision);
      } catch (PlatformException e) {
        LOG.warning(
            "revision " + revision + " of " + service + " not collected: " + e.getMessage());
      }
    }
    serviceRelay.drain(service);
    return deleted;
  }
}
