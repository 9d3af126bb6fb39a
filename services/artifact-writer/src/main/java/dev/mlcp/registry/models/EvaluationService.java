package dev.mlcp.registry.models;

import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Evaluations injected after registration (seed 003: a team re-runs a changing set of attacks
 * against chosen models): one run per evaluator and version, requested on {@code training-requests}
 * as this service (its {@code ce-source}), with the version's URI as input and labels naming the
 * evaluation. When such a run succeeds, its {@code metrics.json} lands as the version's evaluation
 * and the gate runs again for a version it has not passed.
 */
public final class EvaluationService {
  private static final Logger LOG = Logger.getLogger(EvaluationService.class);

  private final RegistryRepository repo;
  private final ObjectStore store;
  private final Relays relays;
  private final RowFlusher rows;
  private final GateService gate;
  private final RegistrySettings settings;
  private final IdGenerator ids;
  private final Clock clock;

  public EvaluationService(
      RegistryRepository repo,
      ObjectStore store,
      Relays relays,
      RowFlusher rows,
      GateService gate,
      RegistrySettings settings,
      IdGenerator ids,
      Clock clock) {
    this.repo = repo;
    this.store = store;
    this.relays = relays;
    this.rows = rows;
    this.gate = gate;
    this.settings = settings;
    this.ids = ids;
    this.clock = clock;
  }

  /**
   * Starts one run per evaluator and version, in parallel (each is its own training run).
   *
   * @param versions version numbers, each registered
   * @param evaluatorNames the evaluators to run; null or empty for all of the model's
   * @param by the caller
   */
  public List<Evaluation> request(
      String model, List<Integer> versions, List<String> evaluatorNames, String by) {
    Model m = repo.model(model);
    if (m.evaluators().isEmpty()) {
      throw new RegistryException.Conflict(
          "model '" + model + "' has no evaluators: PUT /v1/models/" + model + "/evaluators first");
    }
    List<Evaluator> chosen = new ArrayList<>();
    if (evaluatorNames == null || evaluatorNames.isEmpty()) {
      chosen.addAll(m.evaluators());
    } else {
      for (int i = 0; i < evaluatorNames.size(); i++) {
        Evaluator e = m.evaluator(evaluatorNames.get(i));
        if (e == null) {
          throw new RegistryException.Invalid(
              "evaluators[" + i + "]",
              "model '" + model + "' has no evaluator named '" + evaluatorNames.get(i) + "'");
        }
        if (!chosen.contains(e)) {
          chosen.add(e);
        }
      }
    }
    if (versions == null || versions.isEmpty()) {
      throw new RegistryException.Invalid("versions", "name at least one version");
    }
    List<ModelVersion> targets = new ArrayList<>();
    for (Integer n : versions.stream().distinct().toList()) {
      targets.add(repo.registered(model, n));
    }
    if (targets.size() * chosen.size() > settings.maxEvaluationRuns()) {
      throw new RegistryException.Invalid(
          "versions",
          targets.size()
              + " versions x "
              + chosen.size()
              + " evaluators is more than "
              + settings.maxEvaluationRuns()
              + " runs in one request");
    }
    Instant now = clock.instant();
    List<Evaluation> started = new ArrayList<>();
    for (ModelVersion v : targets) {
      for (Evaluator e : chosen) {
        String id = ids.prefixed("ev").toLowerCase(Locale.ROOT);
        started.add(
            start(Evaluation.requested(id, model, v.number(), v.uri(), e, by, m.owner(), now)));
      }
    }
    return started;
  }

  /**
   * Starts the evaluations the model's policy needs for version {@code n}, once: their ids are
   * derived from (model, version, evaluator), so a repeated call starts nothing more.
   */
  public List<Evaluation> requestRequired(String model, int n) {
    Model m = repo.model(model);
    ModelVersion v = repo.registered(model, n);
    List<Evaluation> started = new ArrayList<>();
    for (String name : m.policyOrNone().evaluatorsNeeded().stream().sorted().toList()) {
      Evaluator e = m.evaluator(name);
      if (e == null) {
        LOG.warnf(
            "%s %s: the policy needs evaluator %s, which the model does not have; the gate waits",
            model, v.name(), name);
        continue;
      }
      String id =
          "ev-gate-"
              + Digests.sha256(
                      (model + "/" + n + "/" + name)
                          .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                  .substring(0, 20);
      if (repo.evaluations().find(id).isPresent()) {
        continue;
      }
      started.add(
          start(
              Evaluation.requested(
                  id, model, n, v.uri(), e, GateService.GATE, m.owner(), clock.instant())));
    }
    return started;
  }

  private Evaluation start(Evaluation requested) {
    Evaluation stored = RegistryRepository.createOrFind(repo.evaluations(), requested);
    relays.evaluations().drain(stored.id());
    LOG.infof(
        "evaluation %s: %s on %s %s requested by %s",
        stored.id(),
        stored.evaluator().name(),
        stored.model(),
        Names.versionName(stored.version()),
        stored.requestedBy());
    return repo.evaluations().find(stored.id()).orElse(stored);
  }

  /**
   * Whether {@code run} is one of this service's evaluation runs: labelled with an evaluation and
   * requested on Pub/Sub by this service itself (labels alone could be set by anyone).
   */
  public boolean isEvaluationRun(RunEvent.Succeeded run) {
    RunProvenance p = run.provenance();
    return run.labels().containsKey(Evaluation.LABEL_EVALUATION)
        && p != null
        && "pubsub".equals(p.requestedVia())
        && settings.eventSource().equals(p.requestedBy());
  }

  /**
   * An evaluation run succeeded: its {@code metrics.json} lands as the evaluation (or the
   * evaluation fails, saying why), the {@code evaluations} rows are written and the gate runs again
   * for the version unless it already passed.
   *
   * @return the evaluation after the run's report; empty for an evaluation the registry does not
   *     know
   */
  public Optional<Evaluation> land(RunEvent.Succeeded run) {
    String id = run.labels().get(Evaluation.LABEL_EVALUATION);
    Evaluation e = repo.evaluations().find(id).orElse(null);
    if (e == null) {
      LOG.warnf("run %s reports evaluation %s, which does not exist: ignored", run.runId(), id);
      return Optional.empty();
    }
    if (e.state() != Evaluation.EvaluationState.REQUESTED) {
      return Optional.of(e);
    }
    if (!e.model().equals(run.labels().get(Evaluation.LABEL_MODEL))
        || !Names.versionName(e.version()).equals(run.labels().get(Evaluation.LABEL_VERSION))) {
      LOG.warnf(
          "run %s names evaluation %s but not its model and version: ignored", run.runId(), id);
      return Optional.of(e);
    }
    Instant now = clock.instant();
    Evaluation after;
    try {
      Metrics metrics = readMetrics(run);
      after =
          RegistryRepository.update(
                  repo.evaluations(), id, x -> x.land(run.runId(), metrics.finals(), now))
              .after();
    } catch (Metrics.MalformedException ex) {
      after =
          RegistryRepository.update(
                  repo.evaluations(), id, x -> x.fail(run.runId(), ex.getMessage(), now))
              .after();
      LOG.infof("evaluation %s failed: %s", id, ex.getMessage());
      return Optional.of(after);
    }
    LOG.infof("evaluation %s landed from %s: %s", id, run.runId(), after.metrics());
    rows.flushSoon();
    ModelVersion v = repo.version(e.model(), e.version());
    if (!v.passedGate()) {
      gate.run(e.model(), e.version(), "evaluation " + id);
    }
    return repo.evaluations().find(id);
  }

  private Metrics readMetrics(RunEvent.Succeeded run) throws Metrics.MalformedException {
    String expected = settings.stagingOf(run.runId()).toString();
    if (!expected.equals(run.artifactUri())) {
      throw new Metrics.MalformedException(
          "the run's outputs are at "
              + run.artifactUri()
              + ", not in its staging area "
              + expected);
    }
    byte[] bytes;
    try (ObjectRead in = store.read(settings.stagingOf(run.runId()).resolve("metrics.json"))) {
      if (in.metadata().size() > settings.maxMetricsBytes()) {
        throw new Metrics.MalformedException(
            "metrics.json is "
                + in.metadata().size()
                + " bytes; at most "
                + settings.maxMetricsBytes());
      }
      bytes = in.stream().readNBytes(settings.maxMetricsBytes() + 1);
    } catch (PlatformException ex) {
      if (ex.kind() == PlatformException.Kind.NOT_FOUND) {
        throw new Metrics.MalformedException("the evaluation run wrote no metrics.json");
      }
      throw ex;
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
    return Metrics.parse(bytes);
  }

  /**
   * Expires evaluations whose run has not reported within the timeout (it failed or was cancelled:
   * {@code run.failed} carries no labels to tell).
   *
   * @return how many expired
   */
  public int expireOverdue() {
    Instant now = clock.instant();
    int expired = 0;
    List<String> active =
        repo.evaluations().ids(RegistryRepository.ACTIVE, RegistryRepository.YES).toList();
    for (Evaluation e : repo.evaluations().readAll(active)) {
      if (e.state() == Evaluation.EvaluationState.REQUESTED
          && e.createdAt().plus(settings.evaluationTimeout()).isBefore(now)) {
        String why =
            "no successful run reported within "
                + settings.evaluationTimeout()
                + " (see the runs labelled evaluation="
                + e.id()
                + ")";
        if (repo.evaluations()
            .update(e.id(), x -> x.expire(why, now))
            .map(c -> c.changed())
            .orElse(false)) {
          expired++;
        }
      }
    }
    return expired;
  }

  /** The evaluations of version {@code n}, newest first. */
  public List<Evaluation> of(String model, int n) {
    repo.version(model, n);
    List<String> ids =
        repo.evaluations().ids(RegistryRepository.BY_VERSION, ModelVersion.idOf(model, n)).toList();
    return repo.evaluations().readAll(ids).stream()
        .filter(e -> e.model().equals(model) && e.version() == n)
        .sorted(Comparator.comparing(Evaluation::createdAt).reversed())
        .toList();
  }

  /** The metrics of every landed evaluation, by evaluator (for views). */
  public Map<String, Evaluation> latestLanded(String model, int n) {
    return gate.latestLanded(model, n);
  }
}
