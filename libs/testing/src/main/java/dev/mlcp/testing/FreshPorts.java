package dev.mlcp.testing;

import java.util.function.Supplier;

/**
 * Starts an emulator on ports picked just before its launch, and again on new ports when it exits
 * during start-up. A port found free can be taken by another process before the emulator binds it
 * (builds run modules side by side, each starting emulators); the emulator then exits at once.
 */
final class FreshPorts {
  static final int ATTEMPTS = 3;

  /** The emulator process ended before it answered: typically its port was taken meanwhile. */
  static final class ExitedDuringStartup extends IllegalStateException {
    ExitedDuringStartup(String message) {
      super(message);
    }
  }

  private FreshPorts() {}

  /** Runs {@code launch} (which picks its own ports) up to {@link #ATTEMPTS} times. */
  static <T> T launch(Supplier<T> launch) {
    ExitedDuringStartup last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        return launch.get();
      } catch (ExitedDuringStartup e) {
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
      }
    }
    throw last;
  }
}
