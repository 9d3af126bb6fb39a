package dev.mlcp.registry.models;

import dev.mlcp.state.Change;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Runs the validation gate and moves aliases. The gate's decision is recorded on the version (a
 * failure emits {@code model.rejected} with each failed check); a pass moves the policy's {@code
 * promoteTo} aliases ({@code model.promoted}), never to an older version than the alias holds and
 * never back to a version the alias already left (a manual rollback stands). Manual moves of a
 * protected alias need the gate's pass or an admin with a reason. Every move is appended to the
 * alias's history and written to the warehouse's {@code alias_history}.
 */
public final class GateService {
  private static final Logger LOG = Logger.getLogger(GateService.class);

  /** Who the gate's moves are made by. */
  public static final String GATE = "gate";

  private final RegistryRepository repo;
  private final Relays relays;
  private final RowFlusher rows;
  private final Clock clock;

  public GateService(RegistryRepository repo, Relays relays, RowFlusher rows, Clock clock) {
    this.repo = repo;
    this.relays = relays;
    this.rows = rows;
    this.clock = clock;
  }

  /**
   * Runs the gate for version {@code n} of {@code model} and applies its decision.
   *
   * @param trigger why it runs: {@code registration} or {@code evaluation <id>}
   * @return the decision now recorded on the version
   */
  public GateDecision run(String model, int n, String trigger) {
    Model m = repo.model(model);
    Policy policy = m.policyOrNone();
    ModelVersion candidate = repo.registered(model, n);
    ModelVersion champion =
        policy.champion() == null ? null : current(model, policy.champion().alias()).orElse(null);
    GateDecision decision =
        Gate.decide(policy, candidate, champion, latestLanded(model, n), trigger, clock.instant());
    Change<ModelVersion> decided =
        RegistryRepository.update(repo.versions(), candidate.id(), v -> v.decide(decision));
    relays.versions().drain(candidate.id());
    GateDecision recorded = decided.after().gate();
    if (recorded != null && recorded.outcome() == GateDecision.Outcome.PASSED) {
      String reason =
          "the validation gate passed "
              + candidate.name()
              + " ("
              + trigger
              + (recorded.checks().isEmpty()
                  ? ", no checks"
                  : ": "
                      + String.join(
                          "; ",
                          recorded.checks().stream().map(GateDecision.Check::detail).toList()))
              + ")";
      for (String alias : policy.promoteTo()) {
        promote(decided.after(), alias, reason);
      }
    }
    LOG.infof(
        "gate %s for %s %s (%s): %s",
        recorded == null ? "?" : recorded.outcome(),
        model,
        candidate.name(),
        trigger,
        recorded == null ? "" : recorded.failedChecks());
    return recorded;
  }

  /** The gate's move of {@code alias} to a version that passed, unless it would go backwards. */
  private void promote(ModelVersion version, String alias, String reason) {
    Optional<Alias> existing = repo.aliases().find(Alias.idOf(version.model(), alias));
    if (existing.isPresent()) {
      Alias a = existing.get();
      boolean leftBefore = a.history().stream().anyMatch(mv -> mv.toVersion() == version.number());
      if (a.version() >= version.number() || leftBefore) {
        return;
      }
    }
    move(version, alias, GATE, Alias.Via.GATE, reason);
  }

  /**
   * A caller moves {@code alias} to version {@code n} (promote or roll back). A protected alias
   * moves only to a version whose latest gate decision passed, or by an admin with a reason.
   *
   * @param by the caller's email
   * @param admin whether the caller is an admin
   * @param reason why (required for an admin's override of a protected alias)
   * @throws RegistryException.Refused for a protected alias the caller may not move
   */
  public Alias moveByHand(
      String model, String alias, int n, String by, boolean admin, String reason) {
    if (!Names.isName(alias)) {
      throw new RegistryException.Invalid("alias", "must be " + Names.rule());
    }
    Model m = repo.model(model);
    ModelVersion version = repo.registered(model, n);
    Policy policy = m.policyOrNone();
    String why = reason == null || reason.isBlank() ? null : reason.trim();
    Alias.Via via = Alias.Via.MANUAL;
    if (policy.isProtected(alias)) {
      if (version.passedGate()) {
        via = Alias.Via.MANUAL;
      } else if (admin && why != null) {
        via = Alias.Via.ADMIN;
      } else {
        throw new RegistryException.Refused(
            "alias '"
                + alias
                + "' of '"
                + model
                + "' is protected: it moves only to a version that passed the validation gate ("
                + version.name()
                + (version.gate() == null
                    ? " has no gate decision"
                    : " is " + version.gate().outcome().name().toLowerCase(java.util.Locale.ROOT))
                + "), or by an admin with a reason");
      }
    }
    return move(version, alias, by, via, why == null ? "moved by " + by : why + " (" + by + ")");
  }

  /** The move in force for {@code alias} of {@code model} at {@code at}; empty before the first. */
  public Optional<Alias.Move> at(String model, String alias, Instant at) {
    return repo.aliases().find(Alias.idOf(model, alias)).flatMap(a -> a.versionAt(at));
  }

  /** The version {@code alias} points at now. */
  public Optional<ModelVersion> current(String model, String alias) {
    return repo.aliases()
        .find(Alias.idOf(model, alias))
        .filter(a -> a.version() > 0)
        .flatMap(a -> repo.versions().find(ModelVersion.idOf(model, a.version())));
  }

  private Alias move(ModelVersion version, String alias, String by, Alias.Via via, String reason) {
    Instant now = clock.instant();
    RegistryRepository.createOrFind(repo.aliases(), Alias.unset(version.model(), alias, now));
    String id = Alias.idOf(version.model(), alias);
    Change<Alias> moved =
        RegistryRepository.update(
            repo.aliases(),
            id,
            a -> a.moveTo(version.number(), version.uri(), by, via, reason, now));
    if (moved.changed()) {
      relays.aliases().drain(id);
      LOG.infof(
          "alias %s of %s: %s -> %s by %s (%s)",
          alias,
          version.model(),
          moved.before().version() == 0 ? "unset" : "v" + moved.before().version(),
          version.name(),
          by,
          via.wireName());
      rows.flushSoon();
    }
    return moved.after();
  }

  /** The candidate's latest landed evaluation of each evaluator. */
  Map<String, Evaluation> latestLanded(String model, int n) {
    List<String> ids =
        repo.evaluations().ids(RegistryRepository.BY_VERSION, ModelVersion.idOf(model, n)).toList();
    Map<String, Evaluation> latest = new HashMap<>();
    repo.evaluations().readAll(ids).stream()
        .filter(e -> e.state() == Evaluation.EvaluationState.LANDED)
        .filter(e -> e.model().equals(model) && e.version() == n)
        .sorted(Comparator.comparing(Evaluation::updatedAt))
        .forEach(e -> latest.put(e.evaluator().name(), e));
    return latest;
  }
}
