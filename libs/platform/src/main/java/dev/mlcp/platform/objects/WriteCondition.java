package dev.mlcp.platform.objects;

/**
 * A precondition on the current generation of an object, checked atomically with the write. A
 * failed condition is a {@link dev.mlcp.platform.PlatformException.Kind#CONFLICT}.
 */
public sealed interface WriteCondition {

  /** Write unconditionally. */
  static WriteCondition none() {
    return None.INSTANCE;
  }

  /** The object must not exist (GCS {@code ifGenerationMatch=0}). */
  static WriteCondition doesNotExist() {
    return new GenerationMatch(0);
  }

  /** The object's current generation must be {@code generation} (0 = must not exist). */
  static WriteCondition generationMatch(long generation) {
    return new GenerationMatch(generation);
  }

  /** No precondition. */
  enum None implements WriteCondition {
    /** The only value. */
    INSTANCE
  }

  /**
   * The current generation must equal this one.
   *
   * @param generation expected generation, 0 meaning the object must not exist
   */
  record GenerationMatch(long generation) implements WriteCondition {
    /** Rejects negative generations. */
    public GenerationMatch {
      if (generation < 0) {
        throw new IllegalArgumentException("generation must be >= 0");
      }
    }
  }
}
