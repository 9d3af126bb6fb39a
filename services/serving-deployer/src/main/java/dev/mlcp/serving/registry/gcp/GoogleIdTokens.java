package dev.mlcp.serving.registry.gcp;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdTokenCredentials;
import com.google.auth.oauth2.IdTokenProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * Google ID tokens of this service's own identity for another service's audience, from Application
 * Default Credentials (the Cloud Run service account through the metadata server; no key files).
 * The credentials cache the token and refresh it before it expires.
 */
public final class GoogleIdTokens implements Supplier<String> {
  private final IdTokenCredentials credentials;

  /** Tokens whose {@code aud} is {@code audience} (the called service's URL). */
  public GoogleIdTokens(String audience) {
    try {
      GoogleCredentials adc = GoogleCredentials.getApplicationDefault();
      if (!(adc instanceof IdTokenProvider provider)) {
        throw new IllegalStateException(
            "Application Default Credentials of type "
                + adc.getClass().getSimpleName()
                + " cannot mint ID tokens; run as a service account");
      }
      this.credentials =
          IdTokenCredentials.newBuilder()
              .setIdTokenProvider(provider)
              .setTargetAudience(audience)
              .setOptions(java.util.List.of(IdTokenProvider.Option.FORMAT_FULL))
              .build();
    } catch (IOException e) {
      throw new UncheckedIOException("no Application Default Credentials", e);
    }
  }

  @Override
  public String get() {
    try {
      credentials.refreshIfExpired();
      return credentials.getIdToken().getTokenValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot mint an ID token for the registry", e);
    }
  }
}
