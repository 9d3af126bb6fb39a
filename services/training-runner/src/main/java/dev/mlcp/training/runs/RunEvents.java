package dev.mlcp.training.runs;

import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.RunEvent;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Publishes run transitions on {@code run-events} and waits until Pub/Sub accepted each. A publish
 * that fails is logged with the run id: the transition is stored either way, and the run's state
 * stays readable through the API.
 */
public class RunEvents {
  private static final Logger LOG = Logger.getLogger(RunEvents.class);

  private final Function<MlcpEvent, CompletionStage<Void>> publisher;
  private final Duration timeout;

  /**
   * @param publisher publishes one event, completing when Pub/Sub accepted it ({@code
   *     EventPublisher::publish})
   * @param timeout longest wait for Pub/Sub's answer
   */
  public RunEvents(Function<MlcpEvent, CompletionStage<Void>> publisher, Duration timeout) {
    this.publisher = publisher;
    this.timeout = timeout;
  }

  /** Publishes {@code event}; returns whether Pub/Sub accepted it. */
  public boolean publish(RunEvent event) {
    try {
      publisher.apply(event).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (CancellationException e) {
      // The ordered publisher cancels messages queued behind a failed one with the same key.
      LOG.errorf(
          "run %s: publishing %s was cancelled after an earlier publish of the run failed",
          event.runId(), event.getClass().getSimpleName());
      return false;
    } catch (ExecutionException | TimeoutException e) {
      LOG.errorf(
          "run %s: publishing %s failed: %s",
          event.runId(), event.getClass().getSimpleName(), e.getCause() == null ? e : e.getCause());
      return false;
    }
  }
}
