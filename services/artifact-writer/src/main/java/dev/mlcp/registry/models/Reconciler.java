package dev.mlcp.registry.models;

import java.time.Clock;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * What {@code POST /internal/reconcile} does every minute: publishes every pending event (outbox),
 * resumes registrations whose worker died (their lease expired) from the step they reached, expires
 * evaluations whose run never reported, and flushes the warehouse rows still pending (a batch of
 * many documents per insert; see {@link RowFlusher}).
 */
public final class Reconciler {
  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  private final RegistryRepository repo;
  private final RegistrationService registrations;
  private final EvaluationService evaluations;
  private final RowFlusher rows;
  private final Relays relays;
  private final Clock clock;

  public Reconciler(
      RegistryRepository repo,
      RegistrationService registrations,
      EvaluationService evaluations,
      RowFlusher rows,
      Relays relays,
      Clock clock) {
    this.repo = repo;
    this.registrations = registrations;
    this.evaluations = evaluations;
    this.rows = rows;
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
   * @param rowsPending documents whose rows could not be written (the warehouse is down or refused
   *     them): still pending
   */
  public record Report(
      int published,
      int outboxFailures,
      int resumed,
      int unfinished,
      int expiredEvaluations,
      int rowsWritten,
      int rowsPending) {}

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
    RowFlusher.Flushed flushed = rows.flush();
    return new Report(
        drained.published(),
        drained.failed(),
        resumed,
        unfinished,
        expired,
        flushed.documents(),
        flushed.failed());
  }
}
