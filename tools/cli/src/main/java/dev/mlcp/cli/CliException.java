package dev.mlcp.cli;

/** A failure the CLI reports as one {@code ERROR: ...} line and an exit code. */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /** A failure with {@code message} (the text after {@code ERROR: }) and {@code exitCode}. */
  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /** Same, with its cause. */
  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** The process exit code ({@link Exit}). */
  public int exitCode() {
    return exitCode;
  }
}
