package dev.mlcp.console;

import java.io.IOException;
import java.net.URI;

/**
 * Where the console's proxy gets the bearer token it adds to each call of a service. Cloud Run
 * wants a Google ID token whose audience is the service's own URL; local mode accepts tokens signed
 * with the local key ({@link LocalTokenSource}). Implementations cache: this is called once per
 * proxied request.
 */
@FunctionalInterface
public interface TokenSource {

  /**
   * An ID token for calling the service at {@code audience}.
   *
   * @param audience the service's base URL (Cloud Run's expected audience)
   * @throws IOException when no token can be had (the proxy answers 502 naming the cause)
   */
  String idToken(URI audience) throws IOException;
}
