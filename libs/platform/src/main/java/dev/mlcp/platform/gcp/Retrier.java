package dev.mlcp.platform.gcp;

import dev.mlcp.platform.PlatformException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a Google client call with {@link RetryPolicy}: transient failures (429, 5xx, timeouts) are
 * retried only when the caller says the call is safe to repeat; everything else is classified and
 * thrown at once.
 */
public final class Retrier {

  private static final Logger LOG = Logger.getLogger(Retrier.class.getName());

  private final RetryPolicy policy;

  /** A retrier with the given policy. */
  public Retrier(RetryPolicy policy) {
    this.policy = policy;
  }

  /** Calls {@code call}, retrying transient failures when {@code idempotent}. */
  public <T> T call(String what, boolean idempotent, Supplier<T> call) {
    int attempt = 1;
    while (true) {
      try {
        return call.get();
      } catch (RuntimeException e) {
        PlatformException failure = GcpErrors.classify(what, e);
        if (!idempotent || !failure.isTransient() || attempt >= policy.maxAttempts()) {
          throw failure;
        }
        attempt++;
        LOG.log(
            Level.FINE,
            "retrying {0} (attempt {1}) after {2}",
            new Object[] {what, attempt, failure.reason()});
        Waits.sleep(policy.backoff(attempt).toMillis(), "backing off");
      }
    }
  }

  /** Calls {@code call} with no result. */
  public void run(String what, boolean idempotent, Runnable call) {
    call(
        what,
        idempotent,
        () -> {
          call.run();
          return null;
        });
  }
}
