package dev.mlcp.registry.models;

import static dev.mlcp.registry.models.RegistryFixture.runId;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warehouse rows leave the registration path: registrations, alias moves and evaluations mark their
 * rows pending and the {@link RowFlusher} writes them in batches, once, whatever fails in between.
 */
class RowFlusherTest {
  /** A background executor that never runs its tasks: the process died before it flushed. */
  static final Executor DIES_BEFORE_FLUSHING = task -> {};

  @TempDir Path dir;

  private RegistryFixture fixture(FlakyWarehouse warehouse, Executor rowExecutor) {
    RegistryFixture base = new RegistryFixture(dir);
    return new RegistryFixture(
        base.clock,
        base.store,
        warehouse,
        new CopyOnWriteArrayList<>(),
        new AtomicBoolean(),
        RegistrySettings.CopyMode.STREAM,
        null,
        rowExecutor,
        100);
  }

  private void register(RegistryFixture f, int from, int count) {
    for (int i = from; i < from + count; i++) {
      f.stageModel(runId(i), 0.9);
      assertThat(
              f.registrations.onSucceeded(f.ciRun(runId(i), "m" + (i % 3))).orElseThrow().state())
          .isEqualTo(Registration.RegistrationState.DONE);
    }
  }

  @Test
  void many_registrations_cost_one_insert_request_per_table_not_four_each() {
    FlakyWarehouse warehouse = new FlakyWarehouse(dir.resolve("w.duckdb"));
    RegistryFixture f = fixture(warehouse, DIES_BEFORE_FLUSHING);
    register(f, 1, 30);
    assertThat(warehouse.inserts.get()).as("nothing on the registration path").isZero();

    RowFlusher.Flushed flushed = f.rows.flush();

    assertThat(flushed.documents()).isEqualTo(30);
    assertThat(warehouse.inserts.get())
        .as("runs, resource_usage, metrics, model_versions: one request each")
        .isEqualTo(4);
    assertThat(warehouse.count("runs")).isEqualTo(30);
    assertThat(warehouse.count("metrics")).isEqualTo(120);
    assertThat(warehouse.count("model_versions")).isEqualTo(30);
    assertThat(f.repo.registrations().ids(RegistryRepository.ROWS, RegistryRepository.YES))
        .isEmpty();
  }

  @Test
  void rows_of_a_process_that_died_before_its_flush_are_written_by_the_reconciler() {
    FlakyWarehouse warehouse = new FlakyWarehouse(dir.resolve("w.duckdb"));
    RegistryFixture f = fixture(warehouse, DIES_BEFORE_FLUSHING);
    register(f, 1, 3);
    f.policy(
        "m1", new Policy(List.of(), null, List.of(), List.of("production"), List.of("production")));
    register(f, 4, 1);
    assertThat(warehouse.count("runs")).isZero();

    Reconciler.Report report = f.reconciler.reconcile();

    assertThat(report.rowsWritten()).as("4 registrations and the production alias").isEqualTo(5);
    assertThat(warehouse.count("runs")).isEqualTo(4);
    assertThat(warehouse.count("alias_history")).isEqualTo(1);
    assertThat(f.repo.aliases().find(Alias.idOf("m1", "production")).orElseThrow().rowsPending())
        .isFalse();
    assertThat(f.reconciler.reconcile().rowsWritten()).as("nothing left").isZero();
  }

  @Test
  void rows_inserted_whose_reply_was_lost_are_written_again_and_land_once() {
    FlakyWarehouse warehouse = new FlakyWarehouse(dir.resolve("w.duckdb"));
    RegistryFixture f = fixture(warehouse, Runnable::run);
    warehouse.loseReplies = true;
    register(f, 1, 2);
    assertThat(warehouse.count("runs")).as("the rows are in").isEqualTo(2);
    assertThat(f.repo.registrations().find(runId(1)).orElseThrow().rowsPending())
        .as("but not known to be")
        .isTrue();

    warehouse.loseReplies = false;
    RowFlusher.Flushed flushed = f.rows.flush();
    f.rows.flush();

    assertThat(flushed.documents()).isEqualTo(2);
    assertThat(warehouse.count("runs")).isEqualTo(2);
    assertThat(warehouse.count("metrics")).isEqualTo(8);
    assertThat(warehouse.count("resource_usage")).isEqualTo(2);
    assertThat(warehouse.count("model_versions")).isEqualTo(2);
  }

  @Test
  void a_registration_whose_rows_the_warehouse_refuses_holds_no_other_back() {
    FlakyWarehouse warehouse = new FlakyWarehouse(dir.resolve("w.duckdb"));
    RegistryFixture f = fixture(warehouse, DIES_BEFORE_FLUSHING);
    register(f, 1, 5);
    warehouse.refuse = runId(3) + "/";

    RowFlusher.Flushed flushed = f.rows.flush();

    assertThat(flushed.documents()).isEqualTo(4);
    assertThat(flushed.failed()).isEqualTo(1);
    assertThat(warehouse.count("runs")).isEqualTo(4);
    assertThat(f.repo.registrations().find(runId(3)).orElseThrow().rowsPending()).isTrue();

    warehouse.refuse = null;
    assertThat(f.rows.flush().documents()).isEqualTo(1);
    assertThat(warehouse.count("runs")).isEqualTo(5);
  }

  @Test
  void flushes_of_two_replicas_at_once_write_each_row_once() throws Exception {
    FlakyWarehouse warehouse = new FlakyWarehouse(dir.resolve("w.duckdb"));
    RegistryFixture one = fixture(warehouse, DIES_BEFORE_FLUSHING);
    RegistryFixture two = one.replica();
    register(one, 1, 20);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<RowFlusher.Flushed> a = pool.submit(one.rows::flush);
      Future<RowFlusher.Flushed> b = pool.submit(two.rows::flush);
      a.get(60, TimeUnit.SECONDS);
      b.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertThat(warehouse.count("runs")).isEqualTo(20);
    assertThat(warehouse.count("metrics")).isEqualTo(80);
    assertThat(one.repo.registrations().ids(RegistryRepository.ROWS, RegistryRepository.YES))
        .isEmpty();
  }
}
