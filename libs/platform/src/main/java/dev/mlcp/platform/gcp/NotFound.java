package dev.mlcp.platform.gcp;

import dev.mlcp.platform.PlatformException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * NOT_FOUND as an answer rather than a failure: a delete whose target is already gone is done, a
 * read of something that does not exist is empty. Every other failure is thrown as it is.
 */
public final class NotFound {

  private NotFound() {}

  /**
   * Runs a delete (and whatever waits for it).
   *
   * @return true when it ran, false when the target was already gone
   */
  public static boolean deleted(Runnable delete) {
    try {
      delete.run();
      return true;
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** The read's value, empty when what it reads does not exist. */
  public static <T> Optional<T> orEmpty(Supplier<T> read) {
    try {
      return Optional.of(read.get());
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
