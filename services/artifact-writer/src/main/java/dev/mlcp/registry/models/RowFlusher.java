package dev.mlcp.registry.models;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.registry.analytics.Analytics;
import dev.mlcp.state.Document;
import dev.mlcp.state.DocumentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Writes the warehouse rows of registrations, alias moves and evaluations off the path that makes
 * them, in batches: a registration, a move or a landed evaluation only marks its document as having
 * rows pending (in the same compare-and-set write as the change; the {@code rows} index lists them)
 * and asks for a flush. A flush gathers the rows of up to {@value #DOCUMENTS_PER_PASS} documents of
 * each kind, writes them with one insert request per table (insert id = the row's {@code row_key}),
 * then marks each document written.
 *
 * <p>Nothing is lost and nothing is written twice: a crash between the insert and the marks leaves
 * the documents pending, and the next flush writes the same rows with the same insert ids (dropped
 * as duplicates). A warehouse that is down fails the flush, not the registration; the documents
 * stay pending until a flush succeeds (the reconciler flushes every minute). A batch the warehouse
 * refuses as a whole (one bad row) is retried document by document, so one bad document cannot hold
 * the others back.
 *
 * <p>Flushes in this process run one at a time: requests made while one is queued share it, so a
 * thousand registrations cost a handful of flushes, not four inserts each.
 */
public final class RowFlusher {
  private static final Logger LOG = Logger.getLogger(RowFlusher.class);

  /** Documents of each kind per pass (BigQuery takes 500 rows per request well). */
  static final int DOCUMENTS_PER_PASS = 200;

  /** Passes per flush, so a steady inflow cannot keep one flush going for ever. */
  static final int MAX_PASSES = 20;

  /** An index entry younger than this may belong to a write still in progress: kept. */
  static final Duration STALE_ENTRY_AGE = Duration.ofMinutes(5);

  private final RegistryRepository repo;
  private final ObjectStore store;
  private final RegistrySettings settings;
  private final Analytics analytics;
  private final Executor background;
  private final ReentrantLock running = new ReentrantLock();
  private final AtomicBoolean queued = new AtomicBoolean();

  /**
   * @param background where {@link #flushSoon} flushes (one thread is enough: flushes run one at a
   *     time); a direct executor flushes on the caller's thread
   */
  public RowFlusher(
      RegistryRepository repo,
      ObjectStore store,
      RegistrySettings settings,
      Analytics analytics,
      Executor background) {
    this.repo = repo;
    this.store = store;
    this.settings = settings;
    this.analytics = analytics;
    this.background = background;
  }

  /**
   * What a flush did.
   *
   * @param documents documents whose rows were written and marked
   * @param rows rows sent (duplicates of earlier writes included)
   * @param failed documents left pending because their rows could not be written
   */
  public record Flushed(int documents, int rows, int failed) {
    Flushed plus(Flushed o) {
      return new Flushed(documents + o.documents, rows + o.rows, failed + o.failed);
    }
  }

  /**
   * Asks for a flush on the background executor and returns at once. A request made while another
   * is queued joins it; one made while a flush runs queues the next, which then sees its rows.
   */
  public void flushSoon() {
    if (!queued.compareAndSet(false, true)) {
      return;
    }
    try {
      background.execute(
          () -> {
            queued.set(false);
            try {
              flush();
            } catch (RuntimeException e) {
              LOG.warnf("warehouse rows not flushed (%s); the reconciler retries", e.toString());
            }
          });
    } catch (RejectedExecutionException e) {
      queued.set(false);
      LOG.debugf("flush not queued (%s); the reconciler flushes", e.toString());
    }
  }

  /**
   * Writes pending rows now, pass after pass until none is left, a pass fails, or {@value
   * #MAX_PASSES} passes ran. Waits for a flush already running in this process.
   */
  public Flushed flush() {
    running.lock();
    try {
      Flushed total = new Flushed(0, 0, 0);
      for (int pass = 0; pass < MAX_PASSES; pass++) {
        Pass p = pass();
        total = total.plus(p.flushed());
        if (!p.full() || p.flushed().failed() > 0) {
          break;
        }
      }
      return total;
    } finally {
      running.unlock();
    }
  }

  private record Pass(Flushed flushed, boolean full) {}

  /** One document's rows and how to mark it written. */
  private record Pending(String what, Analytics.Batch rows, Runnable markWritten) {}

  private Pass pass() {
    List<Pending> pending = new ArrayList<>();
    int failed = 0;
    boolean[] full = new boolean[1];

    List<Registration> regs = pending(repo.registrations(), Registration::rowsPending, full);
    Map<String, ModelVersion> versions = new HashMap<>();
    repo.versions()
        .readAll(regs.stream().map(r -> ModelVersion.idOf(r.model(), r.version())).toList())
        .forEach(v -> versions.put(v.id(), v));
    for (Registration r : regs) {
      try {
        pending.add(registrationRows(r, versions.get(ModelVersion.idOf(r.model(), r.version()))));
      } catch (RuntimeException e) {
        failed++;
        LOG.warnf("rows of registration %s not gathered: %s", r.id(), e.toString());
      }
    }
    for (Alias a : pending(repo.aliases(), Alias::rowsPending, full)) {
      pending.add(aliasRows(a));
    }
    for (Evaluation e :
        pending(
            repo.evaluations(),
            e -> e.state() == Evaluation.EvaluationState.LANDED && !e.rowsWritten(),
            full)) {
      pending.add(evaluationRows(e));
    }
    return new Pass(write(pending).plus(new Flushed(0, 0, failed)), full[0]);
  }

  /**
   * Up to {@value #DOCUMENTS_PER_PASS} documents listed in the {@code rows} index that still have
   * rows pending; entries left behind by a crash (their document has no rows pending) are pruned,
   * so they cannot fill the first places of the index for ever.
   */
  private <D extends Document<D>> List<D> pending(
      DocumentStore<D> documents, Predicate<D> rowsPending, boolean[] full) {
    List<DocumentStore.Entry> entries =
        documents
            .entries(RegistryRepository.ROWS, RegistryRepository.YES)
            .limit(DOCUMENTS_PER_PASS)
            .toList();
    full[0] |= entries.size() == DOCUMENTS_PER_PASS;
    Map<String, D> byId = new LinkedHashMap<>();
    documents
        .readAll(entries.stream().map(DocumentStore.Entry::id).distinct().toList())
        .forEach(d -> byId.put(d.id(), d));
    for (DocumentStore.Entry entry : entries) {
      D d = byId.get(entry.id());
      if (d == null || !rowsPending.test(d)) {
        documents.prune(RegistryRepository.ROWS, RegistryRepository.YES, entry, STALE_ENTRY_AGE);
      }
    }
    return byId.values().stream().filter(rowsPending).toList();
  }

  /** All pending rows in one batch; when the warehouse refuses it, document by document. */
  private Flushed write(List<Pending> pending) {
    if (pending.isEmpty()) {
      return new Flushed(0, 0, 0);
    }
    Analytics.Batch all = new Analytics.Batch();
    pending.forEach(p -> all.addAll(p.rows()));
    try {
      analytics.write(all);
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.TRANSIENT) {
        LOG.warnf(
            "warehouse rows of %d documents not written (%s); they stay pending",
            pending.size(), e.getMessage());
        return new Flushed(0, all.size(), pending.size());
      }
      LOG.warnf("a batch of %d documents was refused (%s): one by one", pending.size(), e);
      return oneByOne(pending);
    }
    int marked = mark(pending);
    return new Flushed(marked, all.size(), pending.size() - marked);
  }

  private Flushed oneByOne(List<Pending> pending) {
    Flushed total = new Flushed(0, 0, 0);
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      try {
        analytics.write(p.rows());
      } catch (PlatformException e) {
        LOG.warnf("warehouse rows of %s refused: %s", p.what(), e.getMessage());
        if (e.kind() == PlatformException.Kind.TRANSIENT) {
          return total.plus(new Flushed(0, 0, pending.size() - i));
        }
        total = total.plus(new Flushed(0, p.rows().size(), 1));
        continue;
      }
      int marked = mark(List.of(p));
      total = total.plus(new Flushed(marked, p.rows().size(), 1 - marked));
    }
    return total;
  }

  private static int mark(List<Pending> written) {
    int marked = 0;
    for (Pending p : written) {
      try {
        p.markWritten().run();
        marked++;
      } catch (RuntimeException e) {
        // Written but not marked: the next flush writes the same rows again, as duplicates.
        LOG.warnf("rows of %s written but not marked (%s)", p.what(), e.toString());
      }
    }
    return marked;
  }

  private Pending registrationRows(Registration r, ModelVersion v) {
    if (v == null) {
      throw new IllegalStateException("version " + r.version() + " of " + r.model() + " is gone");
    }
    List<Analytics.MetricPoint> points = new ArrayList<>();
    ObjectUri metricsUri = settings.versionPrefix(r.model(), r.version()).resolve("metrics.json");
    try {
      Metrics.parse(readSmall(metricsUri))
          .points()
          .forEach(p -> points.add(new Analytics.MetricPoint(p.name(), p.step(), p.value())));
    } catch (Metrics.MalformedException e) {
      throw new IllegalStateException("the version's metrics.json changed after admission", e);
    }
    Analytics.Batch rows = new Analytics.Batch();
    analytics.registrationRows(
        rows,
        r.run(),
        v.name(),
        v.number(),
        v.uri(),
        v.manifestSha256(),
        v.sizeBytes(),
        v.fileCount(),
        v.registeredAt(),
        points);
    return new Pending(
        "registration " + r.id(),
        rows,
        () -> repo.registrations().update(r.id(), Registration::rowsWritten));
  }

  private Pending aliasRows(Alias a) {
    List<Analytics.AliasMoveRow> moves =
        a.history().stream()
            .filter(mv -> mv.sequence() > a.rowsThrough())
            .map(
                mv ->
                    new Analytics.AliasMoveRow(
                        mv.sequence(),
                        mv.fromVersion() == 0 ? null : Names.versionName(mv.fromVersion()),
                        Names.versionName(mv.toVersion()),
                        mv.by(),
                        mv.via(),
                        mv.reason(),
                        mv.at()))
            .toList();
    Analytics.Batch rows = new Analytics.Batch();
    analytics.aliasMoveRows(rows, a.model(), a.name(), moves);
    long through = a.sequence();
    return new Pending(
        "alias " + a.id(), rows, () -> repo.aliases().update(a.id(), x -> x.rowsWritten(through)));
  }

  private Pending evaluationRows(Evaluation e) {
    Analytics.Batch rows = new Analytics.Batch();
    analytics.evaluationRows(
        rows,
        e.id(),
        e.model(),
        Names.versionName(e.version()),
        e.evaluator().name(),
        e.evaluator().image(),
        e.runId(),
        e.metrics(),
        e.updatedAt());
    return new Pending(
        "evaluation " + e.id(),
        rows,
        () -> repo.evaluations().update(e.id(), Evaluation::withRowsWritten));
  }

  private byte[] readSmall(ObjectUri uri) {
    try (ObjectRead in = store.read(uri)) {
      return in.stream().readNBytes(settings.maxMetricsBytes() + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri, e);
    }
  }
}
