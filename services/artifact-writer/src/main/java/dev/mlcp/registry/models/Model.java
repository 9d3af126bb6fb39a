package dev.mlcp.registry.models;

import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A model: its owner, the highest version number handed out (a hint where the next allocation
 * starts; the version documents themselves are the allocation), its gate policy and its evaluators.
 *
 * @param id the model's name (the training runs' name)
 * @param owner email of the owner: the owner of its first registered run, or whoever set its policy
 *     first
 * @param createdAt when it was created
 * @param updatedAt its last change
 * @param latestVersion the highest version number claimed so far
 * @param policy the validation gate; null for none
 * @param evaluators the evaluation images run against its versions
 * @param outbox unused (models emit no events), kept for the document contract
 */
public record Model(
    String id,
    String owner,
    Instant createdAt,
    Instant updatedAt,
    int latestVersion,
    Policy policy,
    List<Evaluator> evaluators,
    Outbox outbox)
    implements Document<Model> {

  public Model {
    evaluators = evaluators == null ? List.of() : List.copyOf(evaluators);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /** A new model without versions. */
  public static Model create(String name, String owner, Instant now) {
    return new Model(name, owner, now, now, 0, null, List.of(), Outbox.empty());
  }

  @Override
  public Model withOutbox(Outbox next) {
    return new Model(id, owner, createdAt, updatedAt, latestVersion, policy, evaluators, next);
  }

  /** Version {@code n} was claimed: the hint moves forward, never back. */
  public Model advanceTo(int n, Instant now) {
    if (n <= latestVersion) {
      return this;
    }
    return new Model(id, owner, createdAt, now, n, policy, evaluators, outbox);
  }

  /** The policy, or {@link Policy#none()}. */
  public Policy policyOrNone() {
    return policy == null ? Policy.none() : policy;
  }

  /** This model with {@code next} as its policy. */
  public Model withPolicy(Policy next, Instant now) {
    if (Objects.equals(next, policy)) {
      return this;
    }
    return new Model(id, owner, createdAt, now, latestVersion, next, evaluators, outbox);
  }

  /** This model with {@code next} as its evaluators. */
  public Model withEvaluators(List<Evaluator> next, Instant now) {
    if (Objects.equals(next, evaluators)) {
      return this;
    }
    return new Model(id, owner, createdAt, now, latestVersion, policy, next, outbox);
  }

  /** The evaluator named {@code name}, or null. */
  public Evaluator evaluator(String name) {
    return evaluators.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
  }
}
