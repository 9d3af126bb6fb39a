package dev.mlcp.platform.logs;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Per-run structured logs: write entries, read them in order from a cursor, follow new ones.
 * Cursors are opaque strings that stay valid across processes and restarts.
 */
public interface Logs extends AutoCloseable {

  /** Appends entries to the run's log. */
  void write(String runId, List<LogEntry> entries);

  /**
   * Reads up to {@code max} entries after {@code cursor}, each with the cursor right after it. With
   * {@code max} 0 nothing is read, but the cursor is checked.
   *
   * @param runId the run
   * @param cursor null to start at the beginning, else a cursor from an earlier batch
   * @param max maximum entries returned
   * @throws dev.mlcp.platform.PlatformException INVALID_ARGUMENT for a cursor that is not one of
   *     this store's
   */
  LogBatch read(String runId, String cursor, int max);

  /**
   * Delivers new entries as they arrive, on a background thread, until closed. Each non-empty batch
   * carries the cursor to resume from after a restart.
   *
   * @param runId the run
   * @param cursor where to start (null = beginning)
   * @param pollInterval how often to look for new entries
   * @param listener receives batches in order; an exception from it stops the follow
   */
  default Following follow(
      String runId, String cursor, Duration pollInterval, Consumer<LogBatch> listener) {
    AtomicReference<String> position = new AtomicReference<>(cursor);
    CountDownLatch stop = new CountDownLatch(1);
    Thread thread =
        new Thread(
            () -> {
              try {
                do {
                  LogBatch batch;
                  do {
                    batch = read(runId, position.get(), 500);
                    if (!batch.entries().isEmpty()) {
                      listener.accept(batch);
                    }
                    position.set(batch.cursor());
                  } while (batch.entries().size() == 500 && stop.getCount() > 0);
                } while (!stop.await(pollInterval.toMillis(), TimeUnit.MILLISECONDS));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                Logger.getLogger(Logs.class.getName())
                    .log(Level.WARNING, "following logs of " + runId + " stopped", e);
              }
            },
            "mlcp-logs-follow-" + runId);
    thread.setDaemon(true);
    thread.start();
    return new Following() {
      @Override
      public String cursor() {
        return position.get();
      }

      @Override
      public void close() {
        stop.countDown();
        try {
          thread.join(pollInterval.toMillis() + 5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /** A running follow; closing stops it. */
  interface Following extends AutoCloseable {
    /** The cursor after the last delivered entry. */
    String cursor();

    @Override
    void close();
  }

  /** Releases clients; the default does nothing. */
  @Override
  default void close() {}
}
