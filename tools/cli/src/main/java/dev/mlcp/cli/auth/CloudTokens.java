package dev.mlcp.cli.auth;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdTokenCredentials;
import com.google.auth.oauth2.IdTokenProvider;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cloud mode's tokens: a Google ID token whose audience is the service's URL, from Application
 * Default Credentials when they can mint ID tokens (service accounts, the metadata server,
 * impersonation, {@code gcloud auth application-default login}), else from {@code gcloud auth
 * print-identity-token} (which the services accept too). Nothing is written to disk.
 */
public final class CloudTokens implements TokenSource {

  /** A way to get an ID token; throws {@link Unavailable} when it has none. */
  @FunctionalInterface
  public interface Minter {
    /** A token for {@code audience}. */
    String mint(String audience) throws Unavailable;
  }

  /** A source that cannot give a token here, and why. */
  public static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public Unavailable(String why) {
      super(why);
    }
  }

  private final Minter adc;
  private final Minter gcloud;

  /**
   * Google ID tokens live 1 h; a cached one is renewed after this (mlcp console runs for hours).
   */
  static final long RENEW_AFTER_MILLIS = 45L * 60 * 1000;

  private record Cached(String token, long mintedAtMillis) {}

  private final Map<String, Cached> cache = new HashMap<>();
  private String used = "ADC, else gcloud";

  /** ADC first, then gcloud. */
  public CloudTokens(Minter adc, Minter gcloud) {
    this.adc = adc;
    this.gcloud = gcloud;
  }

  /** The real sources. */
  public static CloudTokens standard() {
    return new CloudTokens(CloudTokens::fromAdc, CloudTokens::fromGcloud);
  }

  @Override
  public synchronized String token(URI serviceUrl) {
    String audience = serviceUrl.getScheme() + "://" + serviceUrl.getAuthority();
    long now = System.currentTimeMillis();
    Cached c = cache.get(audience);
    if (c == null || now - c.mintedAtMillis() >= RENEW_AFTER_MILLIS) {
      c = new Cached(mint(audience), now);
      cache.put(audience, c);
    }
    return c.token();
  }

  private String mint(String audience) {
    String adcWhy;
    try {
      String t = adc.mint(audience);
      used = "Application Default Credentials";
      return t;
    } catch (Unavailable e) {
      adcWhy = e.getMessage();
    }
    try {
      String t = gcloud.mint(audience);
      used = "gcloud auth print-identity-token";
      return t;
    } catch (Unavailable e) {
      throw new CliException(
          Exit.PERMISSION,
          "no Google ID token: ADC "
              + adcWhy
              + "; gcloud "
              + e.getMessage()
              + " (gcloud auth login, or gcloud auth application-default login)");
    }
  }

  @Override
  public String describe() {
    return used;
  }

  static String fromAdc(String audience) throws Unavailable {
    GoogleCredentials credentials;
    try {
      credentials = GoogleCredentials.getApplicationDefault();
    } catch (IOException e) {
      throw new Unavailable("not found");
    }
    if (!(credentials instanceof IdTokenProvider provider)) {
      throw new Unavailable(
          "are " + credentials.getClass().getSimpleName() + ", which mint no ID tokens");
    }
    try {
      IdTokenCredentials id =
          IdTokenCredentials.newBuilder()
              .setIdTokenProvider(provider)
              .setTargetAudience(audience)
              .build();
      id.refresh();
      return id.getIdToken().getTokenValue();
    } catch (IOException | RuntimeException e) {
      throw new Unavailable("failed: " + e.getMessage());
    }
  }

  static String fromGcloud(String audience) throws Unavailable {
    // A user account's token carries gcloud's own audience, which the services accept
    // (var.user_token_audiences); --audiences works for service accounts only.
    List<String> command = List.of("gcloud", "auth", "print-identity-token", "--quiet");
    try {
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      String out;
      try (InputStream in = p.getInputStream()) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        in.transferTo(buffer);
        out = buffer.toString(StandardCharsets.UTF_8).trim();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new Unavailable("did not answer in 60 s");
      }
      if (p.exitValue() != 0 || out.isEmpty()) {
        throw new Unavailable("exited " + p.exitValue() + " (not logged in?)");
      }
      return out;
    } catch (IOException e) {
      throw new Unavailable("is not installed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    }
  }
}
