package dev.mlcp.serving.rollouts;

import dev.mlcp.events.DeployEvent;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A serving service: its revisions, its split, its last known-good split and the one rollout that
 * may change it at a time ({@code activeRollout}, the service's lock). Transitions return this
 * instance when they do not apply.
 *
 * @param id the service name
 * @param target {@code gce} or {@code cloudrun}
 * @param nextRevision number of the next revision ({@code r<n>})
 * @param activeRollout the rollout that holds the service, or null
 * @param revisions every revision made, oldest first
 * @param traffic the split as last set
 * @param knownGood the last split a rollout succeeded with (what rollbacks restore)
 * @param url where the service answers
 * @param lastRollout the last rollout that held the service
 * @param createdAt first deploy
 * @param updatedAt last change
 * @param outbox events not yet published (manual traffic changes and rollbacks)
 */
public record ServiceState(
    String id,
    String target,
    int nextRevision,
    String activeRollout,
    List<RevisionInfo> revisions,
    Map<String, Integer> traffic,
    Map<String, Integer> knownGood,
    String url,
    String lastRollout,
    Instant createdAt,
    Instant updatedAt,
    Outbox outbox)
    implements Document<ServiceState> {

  public ServiceState {
    revisions = revisions == null ? List.of() : List.copyOf(revisions);
    traffic = traffic == null ? Map.of() : new LinkedHashMap<>(traffic);
    knownGood = knownGood == null ? Map.of() : new LinkedHashMap<>(knownGood);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /** Lifecycle of a revision. */
  public enum RevisionStatus {
    /** Being built by its rollout. */
    PROVISIONING,
    /** Built; its share of traffic is in {@link #traffic}. */
    READY,
    /** Its rollout failed or rolled back. */
    FAILED,
    /** Deleted (garbage-collected or by request). */
    DELETED
  }

  /**
   * One revision.
   *
   * @param revision {@code r<n>}
   * @param rolloutId the rollout that made it
   * @param model model name
   * @param version model version
   * @param sha256 the version's manifest digest
   * @param uri the version's registry prefix
   * @param image model-server image
   * @param status where it is
   * @param createdAt when it was named
   * @param spec the request it was made from (auto-deploys reuse it)
   */
  public record RevisionInfo(
      String revision,
      String rolloutId,
      String model,
      String version,
      String sha256,
      String uri,
      String image,
      RevisionStatus status,
      Instant createdAt,
      DeploySpec spec) {

    RevisionInfo with(RevisionStatus s) {
      return new RevisionInfo(
          revision, rolloutId, model, version, sha256, uri, image, s, createdAt, spec);
    }
  }

  /** A service seen for the first time. */
  public static ServiceState fresh(String name, String target, Instant now) {
    return new ServiceState(
        name, target, 1, null, List.of(), Map.of(), Map.of(), null, null, now, now, Outbox.empty());
  }

  @Override
  public ServiceState withOutbox(Outbox next) {
    return new ServiceState(
        id,
        target,
        nextRevision,
        activeRollout,
        revisions,
        traffic,
        knownGood,
        url,
        lastRollout,
        createdAt,
        updatedAt,
        next);
  }

  /** The revision, if it exists. */
  public java.util.Optional<RevisionInfo> revision(String r) {
    return revisions.stream().filter(i -> i.revision().equals(r)).findFirst();
  }

  /** The revision a rollout made, if it claimed the service. */
  public java.util.Optional<RevisionInfo> revisionOf(String rolloutId) {
    return revisions.stream().filter(i -> rolloutId.equals(i.rolloutId())).findFirst();
  }

  /**
   * Claims the service for {@code rollout} and names its revision; this instance when another
   * rollout holds it or the rollout already did.
   */
  public ServiceState claim(Rollout rollout, Instant now) {
    if (activeRollout != null || revisionOf(rollout.id()).isPresent()) {
      return this;
    }
    List<RevisionInfo> next = new ArrayList<>(revisions);
    next.add(
        new RevisionInfo(
            "r" + nextRevision,
            rollout.id(),
            rollout.spec().model(),
            rollout.version(),
            rollout.modelSha256(),
            rollout.modelUri(),
            rollout.spec().image(),
            RevisionStatus.PROVISIONING,
            now,
            rollout.spec()));
    return new ServiceState(
        id,
        target,
        nextRevision + 1,
        rollout.id(),
        next,
        traffic,
        knownGood,
        url,
        rollout.id(),
        createdAt,
        now,
        outbox);
  }

  /** The split was set (by a rollout or by hand). */
  public ServiceState trafficSet(Map<String, Integer> split, String newUrl, Instant now) {
    if (split.equals(traffic) && java.util.Objects.equals(newUrl, url)) {
      return this;
    }
    return new ServiceState(
        id,
        target,
        nextRevision,
        activeRollout,
        revisions,
        split,
        knownGood,
        newUrl != null ? newUrl : url,
        lastRollout,
        createdAt,
        now,
        outbox);
  }

  /** The rollout ended: the lock is released; success makes the split known-good. */
  public ServiceState released(Rollout rollout, Instant now) {
    if (!rollout.id().equals(activeRollout)) {
      return this;
    }
    boolean ok = rollout.state() == RolloutState.SUCCEEDED;
    List<RevisionInfo> next = new ArrayList<>();
    for (RevisionInfo i : revisions) {
      next.add(
          rollout.id().equals(i.rolloutId())
              ? i.with(ok ? RevisionStatus.READY : RevisionStatus.FAILED)
              : i);
    }
    return new ServiceState(
        id,
        target,
        nextRevision,
        null,
        next,
        traffic,
        ok ? traffic : knownGood,
        url,
        lastRollout,
        createdAt,
        now,
        outbox);
  }

  /** A split set by hand (PUT traffic, rollback): it becomes the known-good one. */
  public ServiceState manualSplit(
      Map<String, Integer> split, String newUrl, String why, String by, Instant now) {
    String from = main(traffic);
    String to = main(split);
    ServiceState next =
        new ServiceState(
            id,
            target,
            nextRevision,
            activeRollout,
            revisions,
            split,
            split,
            newUrl != null ? newUrl : url,
            lastRollout,
            createdAt,
            now,
            outbox);
    if (from != null && to != null && !from.equals(to)) {
      String deployment = lastRollout != null ? lastRollout : "manual";
      return next.withOutbox(
          outbox.add(
              id,
              new DeployEvent.RolledBack(deployment, id, from, to, why + " (by " + by + ")"),
              now));
    }
    return next;
  }

  /** The revision was deleted. */
  public ServiceState deleted(String r, Instant now) {
    if (revision(r).map(i -> i.status() == RevisionStatus.DELETED).orElse(true)) {
      return this;
    }
    List<RevisionInfo> next = new ArrayList<>();
    for (RevisionInfo i : revisions) {
      next.add(i.revision().equals(r) ? i.with(RevisionStatus.DELETED) : i);
    }
    Map<String, Integer> split = new LinkedHashMap<>(traffic);
    split.remove(r);
    Map<String, Integer> good = new LinkedHashMap<>(knownGood);
    good.remove(r);
    return new ServiceState(
        id,
        target,
        nextRevision,
        activeRollout,
        next,
        split,
        good,
        url,
        lastRollout,
        createdAt,
        now,
        outbox);
  }

  /** Revisions to garbage-collect: not deleted, without traffic, beyond the newest {@code keep}. */
  public List<String> collectable(int keep) {
    List<RevisionInfo> live =
        revisions.stream()
            .filter(i -> i.status() == RevisionStatus.READY || i.status() == RevisionStatus.FAILED)
            .toList();
    List<String> out = new ArrayList<>();
    int kept = 0;
    for (int i = live.size() - 1; i >= 0; i--) {
      RevisionInfo r = live.get(i);
      boolean serving = traffic.getOrDefault(r.revision(), 0) > 0;
      if (serving || (r.status() == RevisionStatus.READY && kept < keep)) {
        kept++;
      } else {
        out.add(r.revision());
      }
    }
    return out;
  }

  /** The revision with the largest share of a split. */
  public static String main(Map<String, Integer> split) {
    return split.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(null);
  }
}
