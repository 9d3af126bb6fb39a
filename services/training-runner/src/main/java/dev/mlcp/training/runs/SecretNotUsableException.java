package dev.mlcp.training.runs;

/**
 * A run names a secret its owner may not read (or that does not exist: the two are not told apart,
 * so a run cannot probe which secrets exist). Answered 403, naming the secret.
 */
public class SecretNotUsableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public SecretNotUsableException(String field, String secret, String owner) {
    super(
        "secret '"
            + secret
            + "' does not exist or "
            + owner
            + " may not use it: a secret is usable by its owner, its listed readers and admins");
    this.field = field;
  }

  /** The spec field naming the secret, e.g. {@code spec.secrets[0]}. */
  public String field() {
    return field;
  }
}
