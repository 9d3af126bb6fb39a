package dev.mlcp.serving.rollouts;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingStack;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A serving stack and its metrics in memory, with the adapters' rules (idempotent creates, stale
 * fingerprints refused, a serving revision not deleted) and knobs for tests: unhealthy revisions,
 * request stats per revision, a concurrent writer, a quota failure.
 */
final class FakeStack implements ServingStack, RevisionMetrics {
  /** Parts of a revision, in creation order. */
  static final List<String> PARTS =
      List.of("template", "health-check", "group", "autoscaler", "backend");

  final Map<String, Integer> created = new TreeMap<>();
  final Set<String> existing = new HashSet<>();
  final Set<String> unhealthy = new HashSet<>();
  final Map<String, RequestStats> stats = new LinkedHashMap<>();

  /** The analysis windows asked for, per revision, in order. */
  final Map<String, List<Instant[]>> windows = new LinkedHashMap<>();

  final List<String> calls = new ArrayList<>();
  Map<String, Integer> split = new LinkedHashMap<>();
  String fingerprint = null;
  int concurrentWrites = 0;
  String quotaAt = null;
  final AtomicInteger setTrafficCalls = new AtomicInteger();

  @Override
  public Target target() {
    return Target.GCE;
  }

  @Override
  public synchronized void ensureRevision(RevisionSpec spec, Consumer<String> progress) {
    calls.add("ensure " + spec.revision());
    List<String> made = new ArrayList<>();
    for (String part : PARTS) {
      String key = spec.revision() + "/" + part;
      if (part.equals(quotaAt)) {
        made.forEach(existing::remove);
        throw new PlatformException(
            PlatformException.Kind.QUOTA_EXCEEDED,
            "QUOTA_EXCEEDED",
            "quota of " + part + " exceeded");
      }
      if (existing.add(key)) {
        created.merge(key, 1, Integer::sum);
        made.add(key);
      }
      progress.accept(part + "-created");
    }
  }

  @Override
  public synchronized RevisionHealth revisionHealth(String service, String revision) {
    if (!existing.contains(revision + "/group")) {
      return new RevisionHealth(false, 0, 0, "no group");
    }
    return unhealthy.contains(revision)
        ? new RevisionHealth(true, 2, 0, "2 of 2 instances unhealthy")
        : new RevisionHealth(true, 2, 2, null);
  }

  @Override
  public synchronized Traffic traffic(String service) {
    return new Traffic(split, fingerprint, "http://lb");
  }

  @Override
  public synchronized Traffic setTraffic(String service, Map<String, Integer> percents, String fp) {
    setTrafficCalls.incrementAndGet();
    calls.add("traffic " + percents);
    ServingStack.checkPercents(percents);
    if (concurrentWrites > 0) {
      concurrentWrites--;
      fingerprint = UUID.randomUUID().toString();
    }
    if (!java.util.Objects.equals(fp, fingerprint)) {
      throw PlatformException.conflict("conditionNotMet", "stale fingerprint");
    }
    for (String r : percents.keySet()) {
      if (!existing.contains(r + "/backend")) {
        throw PlatformException.notFound("backend of " + r);
      }
    }
    split = new LinkedHashMap<>(percents);
    fingerprint = UUID.randomUUID().toString();
    return traffic(service);
  }

  @Override
  public synchronized boolean deleteRevision(
      String service, String revision, Consumer<String> progress) {
    calls.add("delete " + revision);
    if (split.getOrDefault(revision, 0) > 0) {
      throw PlatformException.conflict("revisionServing", revision + " serves");
    }
    split.remove(revision);
    boolean any = false;
    for (String part : PARTS) {
      any |= existing.remove(revision + "/" + part);
    }
    return any;
  }

  @Override
  public synchronized RequestStats stats(
      Target target, String service, String revision, Instant since, Instant until) {
    windows.computeIfAbsent(revision, k -> new ArrayList<>()).add(new Instant[] {since, until});
    return stats.getOrDefault(revision, RequestStats.none());
  }

  /** Revisions with at least one part. */
  synchronized Set<String> revisions() {
    Set<String> out = new java.util.TreeSet<>();
    existing.forEach(k -> out.add(k.substring(0, k.indexOf('/'))));
    return out;
  }
}
