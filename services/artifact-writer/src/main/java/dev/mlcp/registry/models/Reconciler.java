package dev.mlcp.registry.models;

import dev.mlcp.platform.PlatformException;
import java.time.Clock;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * What {@code POST /internal/reconcile} does every minute: publishes every pending event (outbox),
 * resumes registrations whose worker died (their lease expired) from the step they reached, expires
 * evaluations whose run never reported, and writes warehouse rows that could not be written when
 * their change was made.
 */
public final class Reconciler {
  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  private final RegistryRepository repo;
  private final RegistrationService registrations;
  private final EvaluationService evaluations;
  private final GateService gate;
  private final Relays relays;
  private final Clock clock;

  public Reconciler(
      RegistryRepository repo,
      RegistrationService registrations,
      EvaluationService evaluations,
      GateService gate,
      Relays relays,
      Clock clock) {
    this.repo = repo;
    this.registrations = registrations;
    this.evaluations = evaluations;
    this.gate = gate;
    this.relays = relays;
    this.clock = clock;
  }

  /**
   * What one pass did.
   *
   * @param published events published from outboxes
   * @param outboxFailures documents whose events could not be published (still pending)
   * @param resumed registrations resumed
   * @param unfinished registrations still unfinished (leased by a live worker, or failing)
   * @param expiredEvaluations evaluations expired
   * @param rowsWritten documents whose warehouse rows were written
   */
  public record Report(
      int published,
      int outboxFailures,
      int resumed,
      int unfinished,
      int expiredEvaluations,
      int rowsWritten) {}

  /** One pass; safe to run concurrently with handlers and other passes. */
  public Report reconcile() {
    Relays.Drained drained = relays.drainAll();
    int resumed = 0;
    int unfinished = 0;
    List<String> active =
        repo.registrations().ids(RegistryRepository.ACTIVE, RegistryRepository.YES).toList();
    for (Registration r : repo.registrations().readAll(active)) {
      if (r.state().terminal()) {
        continue;
      }
      if (r.leased(clock.instant())) {
        unfinished++;
        continue;
      }
      try {
        Registration after = registrations.process(r.id());
        resumed++;
        if (!after.state().terminal()) {
          unfinished++;
        }
      } catch (RuntimeException e) {
        unfinished++;
        LOG.warnf("registration of %s not resumed: %s", r.id(), e.toString());
      }
    }
    int expired = evaluations.expireOverdue();
    int rows = 0;
    for (String id : repo.aliases().ids(RegistryRepository.ROWS, RegistryRepository.YES).toList()) {
      try {
        gate.writeRows(id);
        rows++;
      } catch (PlatformException e) {
        LOG.warnf("alias_history rows of %s not written: %s", id, e.getMessage());
      }
    }
    for (String id :
        repo.evaluations().ids(RegistryRepository.ROWS, RegistryRepository.YES).toList()) {
      evaluations.writeRows(id);
      rows++;
    }
    return new Report(drained.published(), drained.failed(), resumed, unfinished, expired, rows);
  }
}
