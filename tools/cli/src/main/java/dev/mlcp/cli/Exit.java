package dev.mlcp.cli;

/**
 * The exit codes a script can rely on (documented in tools/cli/README.md and {@code mlcp --help}).
 */
public final class Exit {
  /** Done. */
  public static final int OK = 0;

  /** The API or the network failed: a 5xx, a 429, a refused connection, a broken answer. */
  public static final int ERROR = 1;

  /** The command line or the request is invalid (picocli's usage errors, a 400 or a 422). */
  public static final int USAGE = 2;

  /** What was named does not exist (404). */
  public static final int NOT_FOUND = 3;

  /** Not signed in or not allowed (401, 403, or no credentials at all). */
  public static final int PERMISSION = 4;

  /** The request conflicts with the current state (409, 412). */
  public static final int CONFLICT = 5;

  /** A waited-for run or rollout ended, but not as asked (FAILED, CANCELLED, ROLLED_BACK). */
  public static final int UNSUCCESSFUL = 6;

  /** Interrupted (Ctrl-C): what was started goes on. */
  public static final int INTERRUPTED = 130;

  /** One line per code, for {@code --help}. */
  public static final String HELP =
      """
      Exit codes:
        0    ok
        1    API or network error (5xx, 429, connection refused)
        2    usage error, or the API refused the input (400, 422)
        3    not found (404)
        4    not signed in or not allowed (401, 403, no credentials)
        5    conflict with the current state (409, 412)
        6    a waited-for run or rollout ended unsuccessfully
        130  interrupted (Ctrl-C); a started run or rollout goes on
      """;

  private Exit() {}

  /** The exit code of an HTTP error status. */
  public static int ofStatus(int status) {
    return switch (status) {
      case 400, 422 -> USAGE;
      case 401, 403 -> PERMISSION;
      case 404 -> NOT_FOUND;
      case 409, 412 -> CONFLICT;
      default -> ERROR;
    };
  }
}
