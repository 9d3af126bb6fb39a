package dev.mlcp.training.inputs;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Google ID tokens for service-to-service calls on Cloud Run, from the metadata server ({@code
 * instance/service-accounts/default/identity?audience=…}), cached for 50 minutes (they live an
 * hour). Empty when there is no metadata server (local mode): the call goes without a token.
 */
public final class MetadataIdTokens implements Supplier<Optional<String>> {
  private static final Duration KEEP = Duration.ofMinutes(50);

  private final URI url;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private String token;
  private Instant fetched = Instant.EPOCH;

  /** Tokens for {@code audience} from the metadata server at {@code metadataUrl}. */
  public MetadataIdTokens(String metadataUrl, String audience) {
    this.url =
        URI.create(
            metadataUrl.replaceAll("/+$", "")
                + "/instance/service-accounts/default/identity?audience="
                + URLEncoder.encode(audience, StandardCharsets.UTF_8)
                + "&format=full");
  }

  @Override
  public synchronized Optional<String> get() {
    if (token != null && Instant.now().isBefore(fetched.plus(KEEP))) {
      return Optional.of(token);
    }
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(url)
                  .timeout(Duration.ofSeconds(5))
                  .header("Metadata-Flavor", "Google")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        return Optional.empty();
      }
      token = answer.body().strip();
      fetched = Instant.now();
      return Optional.of(token);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
