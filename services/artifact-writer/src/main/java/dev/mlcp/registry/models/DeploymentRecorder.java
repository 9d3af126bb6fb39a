package dev.mlcp.registry.models;

import dev.mlcp.events.DeployEvent;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.state.Change;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Records serving-deployer's {@code deploy-events} per model version, for lineage: which service,
 * revision and rollout deployed a version, how far it got and when. Each rollout is one {@link
 * Deployment} document changed by compare-and-set with monotone transitions, so a redelivered or
 * late event changes nothing and two replicas applying events of one rollout at once both land.
 *
 * <p>Trust: {@code deploy.started} names a model version; a version this registry has not
 * registered is not recorded (the event is logged and acked by the caller, never retried). The
 * other events name only the rollout, so they are kept for a start that may still come.
 */
public final class DeploymentRecorder {
  /** At most this many rollouts of one version are shown in its lineage (newest first). */
  public static final int MAX_LISTED = 100;

  /** What serving-deployer's ids and service names look like; anything else is not recorded. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,99}");

  private final RegistryRepository repo;
  private final Clock clock;

  public DeploymentRecorder(RegistryRepository repo, Clock clock) {
    this.repo = repo;
    this.clock = clock;
  }

  /**
   * What became of one event.
   *
   * @param outcome recorded, unchanged (a redelivery or an event the rollout is past), or ignored
   * @param deployment the rollout after the event, when there is one
   * @param reason why it was ignored
   */
  public record Recorded(Outcome outcome, Deployment deployment, String reason) {}

  /** What became of one event. */
  public enum Outcome {
    /** The rollout changed. */
    RECORDED,
    /** Nothing new: a redelivery, or an event the rollout has moved past. */
    UNCHANGED,
    /** Not recorded (unknown model version, malformed ids); acking it is right. */
    IGNORED
  }

  /**
   * Applies {@code event}, published at {@code at} (the event's time; now when absent).
   *
   * @return what became of it
   */
  public Recorded record(DeployEvent event, Instant at) {
    Instant when = at == null ? clock.instant() : at;
    if (!ID.matcher(event.service()).matches() || !ID.matcher(event.deploymentId()).matches()) {
      return ignored(
          "service '"
              + event.service()
              + "' or deployment '"
              + event.deploymentId()
              + "'"
              + " is not an id");
    }
    if (event instanceof DeployEvent.Started s) {
      return started(s, when);
    } else if (event instanceof DeployEvent.Progressed p) {
      return apply(p, when, d -> d.progressed(p.revision(), p.step(), p.trafficPercent(), when));
    } else if (event instanceof DeployEvent.Succeeded s) {
      return apply(s, when, d -> d.succeeded(s.revision(), s.trafficPercent(), s.url(), when));
    } else if (event instanceof DeployEvent.Failed f) {
      return apply(f, when, d -> d.failed(f.revision(), f.reason(), when));
    } else if (event instanceof DeployEvent.RolledBack r) {
      return apply(r, when, d -> d.rolledBack(r.fromRevision(), r.toRevision(), r.reason(), when));
    }
    return ignored("unknown deploy event " + event.getClass().getSimpleName());
  }

  private Recorded started(DeployEvent.Started s, Instant when) {
    Optional<Integer> n = Names.version(s.version());
    if (!Names.isName(s.model()) || n.isEmpty()) {
      return ignored("model '" + s.model() + "' version '" + s.version() + "' is not a version");
    }
    boolean registered =
        repo.versions()
            .find(ModelVersion.idOf(s.model(), n.get()))
            .map(v -> v.state() == ModelVersion.VersionState.REGISTERED)
            .orElse(false);
    if (!registered) {
      return ignored(
          "version "
              + Names.versionName(n.get())
              + " of model '"
              + s.model()
              + "' is not registered here");
    }
    return apply(s, when, d -> d.started(s.revision(), s.model(), n.get(), s.target(), when));
  }

  private Recorded apply(DeployEvent event, Instant when, UnaryOperator<Deployment> change) {
    String id = Deployment.idOf(event.service(), event.deploymentId());
    for (int attempt = 0; attempt < 2; attempt++) {
      Optional<Change<Deployment>> updated = repo.deployments().update(id, change);
      if (updated.isPresent()) {
        Change<Deployment> c = updated.get();
        return new Recorded(c.changed() ? Outcome.RECORDED : Outcome.UNCHANGED, c.after(), null);
      }
      // The first event of this rollout to arrive (in any order) creates it, already applied.
      Deployment first =
          change.apply(
              Deployment.heard(event.service(), event.deploymentId(), when, clock.instant()));
      try {
        return new Recorded(Outcome.RECORDED, repo.deployments().create(first), null);
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT
            && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
          throw e;
        }
        // another event of the same rollout created it first: apply this one on top
      }
    }
    throw new PlatformException(
        PlatformException.Kind.TRANSIENT, "contention", "deployment " + id + " raced; retry");
  }

  private static Recorded ignored(String why) {
    return new Recorded(Outcome.IGNORED, null, why);
  }

  /**
   * The rollouts of version {@code n} of {@code model}, newest first (at most {@link #MAX_LISTED}).
   */
  public List<Deployment> of(String model, int n) {
    List<String> ids =
        repo.deployments()
            .ids(RegistryRepository.BY_VERSION, ModelVersion.idOf(model, n))
            .distinct()
            .limit(MAX_LISTED)
            .toList();
    return repo.deployments().readAll(ids).stream()
        .filter(d -> model.equals(d.model()) && d.version() == n)
        .sorted(
            Comparator.comparing(
                    (Deployment d) -> d.startedAt() == null ? d.createdAt() : d.startedAt())
                .reversed())
        .toList();
  }
}
