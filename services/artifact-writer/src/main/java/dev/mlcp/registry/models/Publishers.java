package dev.mlcp.registry.models;

import dev.mlcp.events.RunProvenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Who may publish models (seed 004: artifacts persisted from training "can only happen via a
 * service account through a manual CI trigger"). A run is registrable when the identity that
 * requested it is listed: entries match the run's requester exactly or, ending in {@code *}, as a
 * prefix. The requester is the Pub/Sub publisher's {@code ce-source} (e.g. {@code
 * //cloudbuild/my-project/train}), the REST caller's email, {@code schedule:<name>} for a stored
 * schedule, and for a follow-up run its parent's requester. Admins' REST runs are registrable too.
 */
public final class Publishers {
  private final List<String> exact = new ArrayList<>();
  private final List<String> prefixes = new ArrayList<>();
  private final Set<String> admins;

  /**
   * @param entries requesters or prefixes ({@code …*})
   * @param admins admin emails (lower case)
   */
  public Publishers(List<String> entries, Set<String> admins) {
    for (String e : entries) {
      if (e == null || e.isBlank()) {
        continue;
      }
      String t = e.trim();
      if (t.endsWith("*")) {
        prefixes.add(t.substring(0, t.length() - 1));
      } else {
        exact.add(t);
      }
    }
    this.admins = Set.copyOf(admins.stream().map(a -> a.toLowerCase(Locale.ROOT)).toList());
  }

  /** Depth up to which a follow-up's ancestors are followed. */
  static final int MAX_FOLLOW_UPS = 8;

  /**
   * Why a run requested as {@code provenance} may not become a model version; empty when it may.
   *
   * @param parents the provenance of a parent run (by id), when the registry knows it
   */
  public Optional<String> refusal(
      RunProvenance provenance, Function<String, Optional<RunProvenance>> parents) {
    RunProvenance p = provenance;
    for (int depth = 0; depth <= MAX_FOLLOW_UPS; depth++) {
      if (p == null || p.requestedVia() == null || p.requestedBy() == null) {
        return Optional.of("the run does not say how it was requested");
      }
      String via = p.requestedVia();
      String by = p.requestedBy();
      switch (via) {
        case "follow-up" -> {
          Optional<RunProvenance> parent = parents.apply(by);
          if (parent.isEmpty()) {
            return Optional.of(
                "it is a follow-up of run " + by + ", which the registry has not seen");
          }
          p = parent.get();
        }
        case "api" -> {
          if (admins.contains(by.toLowerCase(Locale.ROOT)) || listed(by.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
          }
          return Optional.of(
              "requested through the REST API by "
                  + by
                  + ", who may not publish models (mlcp.registry.publishers)");
        }
        case "schedule" -> {
          return listed("schedule:" + by)
              ? Optional.empty()
              : Optional.of(
                  "started by schedule "
                      + by
                      + ", which may not publish models (mlcp.registry.publishers)");
        }
        default -> {
          return listed(by)
              ? Optional.empty()
              : Optional.of(
                  "published by "
                      + by
                      + ", which may not publish models (mlcp.registry.publishers)");
        }
      }
    }
    return Optional.of("its chain of follow-up runs is deeper than " + MAX_FOLLOW_UPS);
  }

  private boolean listed(String requester) {
    return exact.contains(requester) || prefixes.stream().anyMatch(requester::startsWith);
  }
}
