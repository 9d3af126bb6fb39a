package dev.mlcp.training.inputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link ModelRegistry} over artifact-writer's REST API: {@code GET /v1/models/{m}/aliases/{a}}
 * (the alias and the version it points at, {@code "version": "v3"}) and {@code GET
 * /v1/models/{m}/versions/{n}} (the version with its manifest: {@code manifestSha256} and every
 * file's path, SHA-256 and {@code sizeBytes}). 404 is "no such model, alias or version"; 401/403 is
 * PERMISSION_DENIED (training-runner's identity is not allowed to read the registry); anything else
 * unexpected is TRANSIENT.
 */
public final class HttpModelRegistry implements ModelRegistry {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final URI base;
  private final Supplier<Optional<String>> bearer;
  private final ObjectMapper json;
  private final HttpClient http;

  /**
   * @param base artifact-writer's URL, e.g. {@code https://artifact-writer-xyz.a.run.app}
   * @param bearer the ID token to send (audience: artifact-writer), empty for none
   */
  public HttpModelRegistry(URI base, Supplier<Optional<String>> bearer, ObjectMapper json) {
    this.base = URI.create(base.toString().replaceAll("/+$", "") + "/");
    this.bearer = bearer;
    this.json = json;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @Override
  public Optional<ModelVersion> byAlias(String model, String alias) {
    Optional<JsonNode> answer = get("v1/models/" + encode(model) + "/aliases/" + encode(alias));
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    JsonNode node = answer.get();
    JsonNode version = node.path("version");
    if (version.isObject() && version.has("uri")) {
      return Optional.of(version(model, version));
    }
    int number = number(version.isObject() ? version.path("version") : version);
    if (number <= 0) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT,
          "registryAnswer",
          "the registry's alias " + model + "@" + alias + " names no version");
    }
    return byNumber(model, number);
  }

  @Override
  public Optional<ModelVersion> byNumber(String model, int version) {
    return get("v1/models/" + encode(model) + "/versions/" + version)
        .map(node -> version(model, node));
  }

  /**
   * A version document: {@code uri}, {@code sha256} and {@code files} at the top or in {@code
   * manifest}.
   */
  private static ModelVersion version(String model, JsonNode node) {
    JsonNode manifest = node.path("manifest");
    String sha = text(node, "sha256");
    if (sha == null) {
      sha = text(node, "manifestSha256");
    }
    if (sha == null) {
      sha = text(manifest, "sha256");
    }
    String uri = text(node, "uri");
    if (uri == null) {
      uri = text(node, "artifactUri");
    }
    JsonNode files = manifest.has("files") ? manifest.path("files") : node.path("files");
    List<ModelFile> out = new ArrayList<>();
    for (JsonNode f : files) {
      String path = text(f, "path");
      out.add(
          new ModelFile(
              path == null ? text(f, "name") : path,
              text(f, "sha256"),
              f.has("size") ? f.path("size").asLong(-1) : f.path("sizeBytes").asLong(-1)));
    }
    if (uri != null && !uri.endsWith("/")) {
      uri = uri + "/";
    }
    int number = node.path("number").asInt(0);
    return new ModelVersion(
        model, number > 0 ? number : number(node.path("version")), uri, sha, out);
  }

  /** A version as artifact-writer names it ({@code "v3"}) or as a number; 0 when neither. */
  static int number(JsonNode version) {
    if (version.isInt()) {
      return version.asInt();
    }
    String text = version.asText("");
    if (text.matches("v?[0-9]{1,9}")) {
      return Integer.parseInt(text.startsWith("v") ? text.substring(1) : text);
    }
    return 0;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isTextual() ? v.asText() : null;
  }

  private Optional<JsonNode> get(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(TIMEOUT)
            .header("Accept", "application/json")
            .GET();
    bearer.get().ifPresent(token -> request.header("Authorization", "Bearer " + token));
    HttpResponse<byte[]> answer;
    try {
      answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT,
          "registryUnreachable",
          "the model registry is unreachable: " + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "interrupted", "interrupted", e);
    }
    int status = answer.statusCode();
    if (status == 404) {
      return Optional.empty();
    }
    if (status == 401 || status == 403) {
      throw new PlatformException(
          PlatformException.Kind.PERMISSION_DENIED,
          "registryDenied",
          "the model registry refused training-runner (" + status + ")");
    }
    if (status != 200) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT,
          "registry" + status,
          "the model registry answered " + status);
    }
    try {
      return Optional.of(json.readTree(answer.body()));
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT,
          "registryAnswer",
          "the model registry answered no JSON",
          e);
    }
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
