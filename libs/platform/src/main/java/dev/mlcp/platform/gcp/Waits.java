package dev.mlcp.platform.gcp;

import dev.mlcp.platform.PlatformException;

/** The waits of backoff and polling loops. */
public final class Waits {

  private Waits() {}

  /**
   * Sleeps; an interrupt ends the wait at once, keeps the thread's interrupt status and becomes a
   * TRANSIENT failure ({@code interrupted}), so the caller's loop stops instead of going on.
   *
   * @param millis how long
   * @param during what the wait is for, as in "interrupted while {@code during}"
   */
  public static void sleep(long millis, String during) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "interrupted", "interrupted while " + during, e);
    }
  }
}
