package dev.mlcp.cli.auth;

import java.net.URI;

/** Where the bearer token of a call comes from. */
public interface TokenSource {

  /** A token for calling the service at {@code serviceUrl} (the audience in the cloud). */
  String token(URI serviceUrl);

  /** What the token is, for messages: {@code local key (demo@mlcp.local)}, {@code ADC}. */
  String describe();
}
