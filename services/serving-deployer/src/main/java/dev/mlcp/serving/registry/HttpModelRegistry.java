package dev.mlcp.serving.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.serving.rollouts.ModelRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@link ModelRegistry} over artifact-writer's REST API: {@code GET /v1/models/{m}/aliases/{a}} and
 * {@code GET /v1/models/{m}/versions/{n}:verify}, each with a bearer token for the registry's
 * audience (a Google ID token of the deployer's own identity in the cloud, a token minted with the
 * local key in local mode). Any non-2xx answer of {@code :verify} means "not verified", with the
 * problem's {@code detail}; 5xx, 429 and no answer mean "ask again later".
 */
public final class HttpModelRegistry implements ModelRegistry {
  private final URI base;
  private final Supplier<String> token;
  private final ObjectMapper json;
  private final HttpClient http;

  /**
   * @param baseUrl the registry's URL, e.g. {@code https://artifact-writer-…run.app}
   * @param token a fresh bearer token for each call
   */
  public HttpModelRegistry(String baseUrl, Supplier<String> token, ObjectMapper json) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.token = token;
    this.json = json;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public String resolveAlias(String model, String alias) {
    JsonNode body = get("v1/models/" + enc(model) + "/aliases/" + enc(alias), false);
    String version = body.path("version").asText(null);
    if (version == null || version.isBlank()) {
      throw new VerificationFailedException(
          "alias " + alias + " of " + model + " names no version");
    }
    return version;
  }

  @Override
  public VerifiedVersion verify(String model, String version) {
    JsonNode body = get("v1/models/" + enc(model) + "/versions/" + enc(version) + ":verify", true);
    String sha = text(body, "sha256", "manifestSha256");
    String uri = text(body, "uri", "versionUri");
    if (sha == null) {
      throw new VerificationFailedException(
          model + " " + version + ": the registry's answer carries no manifest SHA-256");
    }
    if (uri == null) {
      JsonNode v = get("v1/models/" + enc(model) + "/versions/" + enc(version), false);
      uri = text(v, "uri", "versionUri");
    }
    return new VerifiedVersion(model, version, uri, sha.toLowerCase(java.util.Locale.ROOT));
  }

  private static String text(JsonNode node, String... names) {
    for (String n : names) {
      String v = node.path(n).asText(null);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    JsonNode manifest = node.path("manifest");
    return manifest.isObject() && manifest != node ? text(manifest, names) : null;
  }

  private JsonNode get(String path, boolean verifying) {
    HttpResponse<byte[]> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path))
                  .timeout(Duration.ofSeconds(120))
                  .header("Authorization", "Bearer " + token.get())
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new RegistryUnavailableException("the registry did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException("interrupted", e);
    } catch (RuntimeException e) {
      throw new RegistryUnavailableException("no token for the registry: " + e.getMessage(), e);
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      try {
        return json.readTree(response.body());
      } catch (IOException e) {
        throw new RegistryUnavailableException("the registry answered no JSON", e);
      }
    }
    String detail = detail(response.body());
    if (status >= 500 || status == 429 || status == 401 || status == 408) {
      throw new RegistryUnavailableException(
          "the registry answered " + status + (detail == null ? "" : ": " + detail), null);
    }
    throw new VerificationFailedException(
        (verifying ? "verify answered " : "the registry answered ")
            + status
            + (detail == null ? "" : ": " + detail));
  }

  private String detail(byte[] body) {
    try {
      JsonNode problem = json.readTree(body);
      String d = problem.path("detail").asText(null);
      return d != null ? d : problem.path("title").asText(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
