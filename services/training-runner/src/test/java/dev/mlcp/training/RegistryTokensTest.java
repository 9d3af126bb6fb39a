package dev.mlcp.training;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.mlcp.training.inputs.HttpModelRegistry;
import dev.mlcp.training.inputs.ModelRegistry;
import dev.mlcp.web.token.LocalKeys;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How training-runner authenticates to the registry when it resolves {@code models:/} inputs: in
 * local mode with a token minted from the local key for its own identity (one of the registry's
 * readers), which is what artifact-writer accepts there; otherwise with the metadata server's ID
 * token, none when there is no metadata server.
 */
class RegistryTokensTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  HttpServer registry;
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    registry.createContext(
        "/v1/models/iris/versions/3",
        exchange -> {
          try (exchange) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            byte[] body =
                ("{\"version\":3,\"uri\":\"gs://reg/models/iris/versions/3/\",\"sha256\":\""
                        + "a".repeat(64)
                        + "\",\"manifest\":{\"files\":[]}}")
                    .getBytes(UTF_8);
            int status = auth == null ? 401 : 200;
            exchange.sendResponseHeaders(status, status == 200 ? body.length : -1);
            if (status == 200) {
              exchange.getResponseBody().write(body);
            }
          }
        });
    // artifact-writer's own shapes (Views.AliasView, Views.VersionView with its manifest).
    registry.createContext(
        "/v1/models/churn/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String body =
                path.endsWith("/aliases/production")
                    ? "{\"model\":\"churn\",\"name\":\"production\",\"version\":\"v1\"}"
                    : path.endsWith("/versions/1")
                        ? "{\"model\":\"churn\",\"version\":\"v1\",\"number\":1,"
                            + "\"uri\":\"gs://mlcp-local/registry/models/churn/versions/1/\","
                            + "\"manifestSha256\":\""
                            + "c".repeat(64)
                            + "\",\"manifest\":{\"files\":[{\"path\":\"model.json\","
                            + "\"sizeBytes\":609,\"sha256\":\""
                            + "d".repeat(64)
                            + "\"}]}}"
                        : null;
            byte[] bytes = body == null ? new byte[0] : body.getBytes(UTF_8);
            exchange.sendResponseHeaders(
                body == null ? 404 : 200, body == null ? -1 : bytes.length);
            if (body != null) {
              exchange.getResponseBody().write(bytes);
            }
          }
        });
    registry.start();
  }

  @Test
  void an_alias_resolves_through_artifact_writers_answers_to_the_version_its_files_and_sizes() {
    String url = "http://127.0.0.1:" + registry.getAddress().getPort();
    ModelRegistry client = new HttpModelRegistry(URI.create(url), Optional::empty, JSON);

    ModelRegistry.ModelVersion v = client.byAlias("churn", "production").orElseThrow();

    assertThat(v.version()).isEqualTo(1);
    assertThat(v.uri()).isEqualTo("gs://mlcp-local/registry/models/churn/versions/1/");
    assertThat(v.sha256()).isEqualTo("c".repeat(64));
    assertThat(v.files())
        .containsExactly(new ModelRegistry.ModelFile("model.json", "d".repeat(64), 609));
  }

  @AfterEach
  void stop() {
    registry.stop(0);
  }

  @Test
  void local_mode_calls_the_registry_with_a_local_token_of_training_runners_identity()
      throws Exception {
    LocalKeys.generate(dir);
    String url = "http://127.0.0.1:" + registry.getAddress().getPort();
    ModelRegistry client =
        new HttpModelRegistry(
            URI.create(url),
            TrainingBeans.registryTokens(config(Optional.of(dir.toString())), url),
            JSON);

    Optional<ModelRegistry.ModelVersion> v = client.byNumber("iris", 3);

    assertThat(v).isPresent();
    assertThat(v.get().uri()).isEqualTo("gs://reg/models/iris/versions/3/");
    assertThat(authorizations).hasSize(1);
    String token = authorizations.get(0).substring("Bearer ".length());
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertThat(claims.path("email").asText()).isEqualTo("training-runner@mlcp.local");
    assertThat(claims.path("iss").asText()).isEqualTo("https://mlcp.local");
  }

  @Test
  void without_a_local_key_and_without_a_metadata_server_the_call_goes_without_a_token() {
    String url = "http://127.0.0.1:" + registry.getAddress().getPort();
    ModelRegistry client =
        new HttpModelRegistry(
            URI.create(url), TrainingBeans.registryTokens(config(Optional.empty()), url), JSON);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.byNumber("iris", 3))
        .hasMessageContaining("refused training-runner (401)");
    assertThat(authorizations).containsExactly("");
  }

  private static InputsConfig config(Optional<String> keyDir) {
    return new InputsConfig() {
      @Override
      public Optional<String> registryUrl() {
        return Optional.empty();
      }

      @Override
      public Optional<String> registryAudience() {
        return Optional.empty();
      }

      @Override
      public Optional<String> registryLocalKeyDir() {
        return keyDir;
      }

      @Override
      public String registryLocalIdentity() {
        return "training-runner@mlcp.local";
      }

      @Override
      public String metadataUrl() {
        // Nothing listens on port 9 (discard): no metadata server, as in local mode.
        return "http://127.0.0.1:9/computeMetadata/v1";
      }

      @Override
      public Optional<List<String>> grants() {
        return Optional.empty();
      }

      @Override
      public long maxBytesBilled() {
        return 1;
      }

      @Override
      public Duration spannerMaxStaleness() {
        return Duration.ofSeconds(15);
      }

      @Override
      public int maxModelFiles() {
        return 10;
      }
    };
  }
}
