package dev.mlcp.serving.rollouts;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.platform.serving.ServingStacks;
import dev.mlcp.state.Change;
import dev.mlcp.state.OutboxRelay;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The deploy operations the API and the handlers call: start a rollout (once per request key), set
 * traffic by hand, roll back, approve or abort a rollout, delete a revision. Who may call them is
 * decided by the caller's layer ({@link DeployPolicy}); the rollout itself is driven by {@link
 * RolloutEngine}.
 */
public class DeployService {
  private final RolloutRepository repo;
  private final RolloutEngine engine;
  private final ServingStacks stacks;
  private final OutboxRelay<ServiceState> serviceRelay;
  private final IdGenerator ids;
  private final Clock clock;
  private final Thresholds thresholds;
  private final List<String> allowedImages;
  private final Executor executor;

  public DeployService(
      RolloutRepository repo,
      RolloutEngine engine,
      ServingStacks stacks,
      OutboxRelay<ServiceState> serviceRelay,
      IdGenerator ids,
      Clock clock,
      Thresholds thresholds,
      List<String> allowedImages,
      Executor executor) {
    this.repo = repo;
    this.engine = engine;
    this.stacks = stacks;
    this.serviceRelay = serviceRelay;
    this.ids = ids;
    this.clock = clock;
    this.thresholds = thresholds;
    this.allowedImages = List.copyOf(allowedImages);
    this.executor = executor;
  }

  /**
   * Starts a rollout, or returns the one already started with the same request key.
   *
   * @param requestKey idempotency key (REST {@code Idempotency-Key}, the message's request key or
   *     event id), or null
   * @throws DeployException INVALID naming the field
   */
  public Rollout deploy(DeploySpec spec, String requestKey, String requestedBy, String origin) {
    DeploySpec checked = DeployRules.check(spec, allowedImages);
    String id =
        requestKey == null
            ? "dep-" + ids.newId().toLowerCase(Locale.ROOT)
            : "dep-" + sha256(checked.service() + "\n" + requestKey).substring(0, 26);
    Rollout rollout =
        repo.createOrGet(
            Rollout.queued(
                id, checked, thresholds, requestKey, requestedBy, origin, clock.instant()));
    kick(rollout.id());
    return rollout;
  }

  /** Advances the rollout in the background (the timer and the reconciler do it too). */
  public void kick(String rolloutId) {
    executor.execute(() -> engine.advance(rolloutId));
  }

  /** The service. */
  public ServiceState service(String name) {
    return repo.service(name)
        .orElseThrow(() -> DeployException.notFound("service '" + name + "' does not exist"));
  }

  /** The rollout of a service. */
  public Rollout rollout(String service, String rolloutId) {
    return repo.rollout(rolloutId)
        .filter(r -> r.service().equals(service))
        .orElseThrow(
            () ->
                DeployException.notFound(
                    "rollout '" + rolloutId + "' of " + service + " does not exist"));
  }

  /** Current split and health per revision, as the stack sees them now. */
  public ServingStack.Traffic liveTraffic(ServiceState s) {
    return stack(s).traffic(s.id());
  }

  /** Health of a revision now. */
  public ServingStack.RevisionHealth health(ServiceState s, String revision) {
    return stack(s).revisionHealth(s.id(), revision);
  }

  private ServingStack stack(ServiceState s) {
    return stacks.of(ServingStack.Target.parse(s.target()));
  }

  /**
   * Sets the split by hand; every named revision must be built and not deleted, and no rollout may
   * hold the service.
   */
  public ServiceState setTraffic(String service, Map<String, Integer> percents, String by) {
    ServiceState s = service(service);
    if (s.activeRollout() != null) {
      throw DeployException.conflict(
          "rollout "
              + s.activeRollout()
              + " holds "
              + service
              + "; abort it or wait for it to end");
    }
    try {
      ServingStack.checkPercents(percents);
    } catch (PlatformException e) {
      throw DeployException.invalid("percents", e.getMessage());
    }
    for (String r : percents.keySet()) {
      ServiceState.RevisionInfo info =
          s.revision(r)
              .orElseThrow(() -> DeployException.invalid("percents." + r, "no such revision"));
      if (info.status() != ServiceState.RevisionStatus.READY && percents.get(r) > 0) {
        throw DeployException.invalid("percents." + r, "revision is " + info.status());
      }
    }
    ServingStack.Traffic set = RolloutEngine.setSplit(null, stack(s), service, percents);
    Instant now = clock.instant();
    ServiceState after =
        repo.updateService(
                service,
                x -> x.manualSplit(set.percents(), set.url(), "traffic set by hand", by, now))
            .map(Change::after)
            .orElseThrow();
    serviceRelay.drain(service);
    return after;
  }

  /**
   * Rolls back: a rollout that moved traffic goes back to its known-good split; otherwise all
   * traffic goes to the newest ready revision older than the one serving most now.
   */
  public ServiceState rollback(String service, String by) {
    ServiceState s = service(service);
    if (s.activeRollout() != null) {
      Rollout r = repo.rollout(s.activeRollout()).orElseThrow();
      abort(service, r.id(), by);
      return service(service);
    }
    String current = ServiceState.main(s.traffic());
    String target = null;
    boolean passed = false;
    for (int i = s.revisions().size() - 1; i >= 0; i--) {
      ServiceState.RevisionInfo info = s.revisions().get(i);
      if (info.revision().equals(current)) {
        passed = true;
      } else if (passed && info.status() == ServiceState.RevisionStatus.READY) {
        target = info.revision();
        break;
      }
    }
    if (target == null) {
      throw DeployException.conflict(
          "no earlier ready revision of " + service + " to roll back to");
    }
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put(target, 100);
    ServingStack.Traffic set = RolloutEngine.setSplit(null, stack(s), service, split);
    Instant now = clock.instant();
    ServiceState after =
        repo.updateService(
                service, x -> x.manualSplit(set.percents(), set.url(), "rollback", by, now))
            .map(Change::after)
            .orElseThrow();
    serviceRelay.drain(service);
    return after;
  }

  /** Approves the step to 100 % of a rollout awaiting approval. */
  public Rollout approve(String service, String rolloutId, String by) {
    Rollout r = rollout(service, rolloutId);
    if (r.state() != RolloutState.AWAITING_APPROVAL) {
      throw DeployException.conflict(
          "rollout " + rolloutId + " is " + r.state() + ", not awaiting approval");
    }
    Instant now = clock.instant();
    repo.update(rolloutId, x -> x.approved(by, now));
    return engine.advance(rolloutId).orElseThrow();
  }

  /** Aborts a rollout: back to the known-good split, or the revision deleted before traffic. */
  public Rollout abort(String service, String rolloutId, String by) {
    Rollout r = rollout(service, rolloutId);
    if (r.state().terminal()) {
      throw DeployException.conflict("rollout " + rolloutId + " already ended " + r.state());
    }
    Instant now = clock.instant();
    String why = "aborted by " + by;
    repo.update(
        rolloutId,
        x ->
            x.stepIndex() >= 0 || x.state() == RolloutState.AWAITING_APPROVAL
                ? x.rollingBack(why, now)
                : x.failing(why, now));
    return engine.advance(rolloutId).orElseThrow();
  }

  /** Deletes a revision that receives no traffic and no rollout is building. */
  public ServiceState deleteRevision(String service, String revision, String by) {
    ServiceState s = service(service);
    ServiceState.RevisionInfo info =
        s.revision(revision)
            .orElseThrow(
                () -> DeployException.notFound("revision '" + revision + "' does not exist"));
    if (s.traffic().getOrDefault(revision, 0) > 0) {
      throw DeployException.conflict(
          "revision "
              + revision
              + " receives "
              + s.traffic().get(revision)
              + " % of the traffic; move it first");
    }
    if (info.rolloutId().equals(s.activeRollout())) {
      throw DeployException.conflict("revision " + revision + " is being rolled out; abort first");
    }
    try {
      stack(s).deleteRevision(service, revision, step -> {});
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.CONFLICT) {
        throw DeployException.conflict(e.getMessage());
      }
      throw e;
    }
    Instant now = clock.instant();
    return repo.updateService(service, x -> x.deleted(revision, now))
        .map(Change::after)
        .orElseThrow();
  }

  /** Remembers the digest {@code model.registered} announced, checked again at deploy. */
  public void registered(String model, String version, String sha256) {
    repo.recordRegistered(model, version, sha256);
  }

  /**
   * The auto-deploy policy: each service following {@code model@alias} rolls the promoted version
   * out with the request of its newest ready revision (image, machine, canary plan). A service that
   * never had a ready revision is skipped: nothing says which image serves it.
   *
   * @return the rollouts started (or found, on redelivery)
   */
  public List<Rollout> promoted(
      DeployPolicy policy, String model, String version, String alias, String promotedBy) {
    List<Rollout> out = new java.util.ArrayList<>();
    for (String name : policy.followers(model, alias)) {
      ServiceState s = repo.service(name).orElse(null);
      if (s == null) {
        continue;
      }
      java.util.Optional<ServiceState.RevisionInfo> last =
          s.revisions().stream()
              .filter(i -> i.status() == ServiceState.RevisionStatus.READY && i.spec() != null)
              .reduce((a, b) -> b);
      if (last.isEmpty()) {
        continue;
      }
      out.add(
          deploy(
              last.get().spec().withVersion(model, version),
              "promoted:" + model + ":" + version + ":" + alias,
              promotedBy == null ? "auto-deploy" : promotedBy,
              "auto:" + model + "@" + alias));
    }
    return out;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
