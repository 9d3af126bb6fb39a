package dev.mlcp.registry.models;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A model's settings: its gate policy and its evaluators. */
public final class ModelService {
  private final RegistryRepository repo;
  private final Clock clock;
  private final int maxEvaluators;

  public ModelService(RegistryRepository repo, Clock clock, int maxEvaluators) {
    this.repo = repo;
    this.clock = clock;
    this.maxEvaluators = maxEvaluators;
  }

  /**
   * Sets {@code model}'s policy; a model that does not exist yet is created, owned by {@code
   * caller} (so a policy can be in place before the first version arrives).
   *
   * @throws RegistryException.Invalid naming every field at fault
   */
  public Model setPolicy(String model, Policy policy, String caller) {
    List<RegistryException.Violation> violations = policy.violations();
    if (!violations.isEmpty()) {
      throw new RegistryException.Invalid(violations);
    }
    ensure(model, caller);
    return RegistryRepository.update(
            repo.models(), model, m -> m.withPolicy(policy, clock.instant()))
        .after();
  }

  /**
   * Sets {@code model}'s evaluators (names unique); creates the model like {@link #setPolicy}.
   *
   * @throws RegistryException.Invalid naming every field at fault
   */
  public Model setEvaluators(String model, List<Evaluator> evaluators, String caller) {
    List<RegistryException.Violation> violations = new ArrayList<>();
    List<Evaluator> list = evaluators == null ? List.of() : evaluators;
    if (list.size() > maxEvaluators) {
      violations.add(
          new RegistryException.Violation(
              "evaluators", "at most " + maxEvaluators + " evaluators"));
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Evaluator e = list.get(i);
      if (e == null) {
        violations.add(new RegistryException.Violation("evaluators[" + i + "]", "must be set"));
        continue;
      }
      violations.addAll(e.violations("evaluators[" + i + "]"));
      if (e.name() != null && !names.add(e.name())) {
        violations.add(
            new RegistryException.Violation("evaluators[" + i + "].name", "is listed twice"));
      }
    }
    if (!violations.isEmpty()) {
      throw new RegistryException.Invalid(violations);
    }
    ensure(model, caller);
    List<Evaluator> copy = List.copyOf(list);
    return RegistryRepository.update(
            repo.models(), model, m -> m.withEvaluators(copy, clock.instant()))
        .after();
  }

  /** The model's aliases (where each points now), by name. */
  public List<Alias> aliases(String model) {
    List<String> ids = repo.aliases().ids(RegistryRepository.BY_MODEL, model).toList();
    return repo.aliases().readAll(ids).stream()
        .filter(a -> a.model().equals(model))
        .sorted(java.util.Comparator.comparing(Alias::name))
        .toList();
  }

  private void ensure(String model, String caller) {
    if (!Names.isName(model)) {
      throw new RegistryException.Invalid("model", "must be " + Names.rule());
    }
    RegistryRepository.createOrFind(repo.models(), Model.create(model, caller, clock.instant()));
  }
}
