package dev.mlcp.registry.models;

import dev.mlcp.state.OutboxRelay;

/**
 * The outbox relays of the registry's documents: registrations, versions and aliases publish on
 * {@code model-versions}; evaluations publish their run requests on {@code training-requests}.
 *
 * @param registrations {@code model.rejected} of runs that did not become versions
 * @param versions {@code model.registered}, and {@code model.rejected} of the gate
 * @param aliases {@code model.promoted}
 * @param evaluations {@code training.requested} of evaluation runs
 */
public record Relays(
    OutboxRelay<Registration> registrations,
    OutboxRelay<ModelVersion> versions,
    OutboxRelay<Alias> aliases,
    OutboxRelay<Evaluation> evaluations) {

  /**
   * What one drain of every outbox did.
   *
   * @param published events published
   * @param failed documents whose events are still pending
   */
  public record Drained(int published, int failed) {}

  /** Drains every outbox (the reconciler's net under the drains after each transition). */
  public Drained drainAll() {
    int published = 0;
    int failed = 0;
    for (OutboxRelay.Report r :
        java.util.List.of(
            registrations.drainAll(),
            versions.drainAll(),
            aliases.drainAll(),
            evaluations.drainAll())) {
      published += r.published();
      failed += r.failed();
    }
    return new Drained(published, failed);
  }
}
