package dev.mlcp.experiments.secrets;

/**
 * The caller may not do this with the secret (or it does not exist: the two are not told apart, so
 * nobody can probe which secrets exist through access): 403.
 */
public class SecretNotAllowedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SecretNotAllowedException(String message) {
    super(message);
  }
}
