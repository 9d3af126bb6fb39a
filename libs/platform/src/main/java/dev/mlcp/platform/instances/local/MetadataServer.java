package dev.mlcp.platform.instances.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mlcp.platform.internal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A loopback stand-in for the GCE metadata server, one path prefix per local instance: {@code
 * http://127.0.0.1:P/<instance>/computeMetadata/v1/...}. Like GCE it requires the {@code
 * Metadata-Flavor: Google} header and answers instance attributes, name, zone, project id and a
 * service-account token: the instance's own random token (no Google credential), served only on
 * that instance's path and accepted by {@link LocalAgentApi} for that instance only.
 */
final class MetadataServer implements AutoCloseable {

  /**
   * What the server needs to know about one instance.
   *
   * @param token the instance's service-account token; null when it has none (404)
   */
  record InstanceView(
      String name,
      String zone,
      Map<String, String> attributes,
      String serviceAccount,
      String token) {}

  private final HttpServer server;
  private final String project;
  private final Function<String, Optional<InstanceView>> lookup;
  private volatile LocalAgentApi agentApi;

  MetadataServer(
      int preferredPort, String project, Function<String, Optional<InstanceView>> lookup) {
    this.project = project;
    this.lookup = lookup;
    this.server = bind(preferredPort);
    server.createContext("/", this::handle);
    server.setExecutor(
        // Several agents poll metadata and upload at once; a pool of 2 could be held by uploads.
        Executors.newFixedThreadPool(
            8,
            r -> {
              Thread t = new Thread(r, "mlcp-local-metadata");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  private static HttpServer bind(int preferredPort) {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try {
      if (preferredPort > 0) {
        try {
          return HttpServer.create(new InetSocketAddress(loopback, preferredPort), 0);
        } catch (BindException e) {
          // Taken by someone else since the last run: a fresh port still serves new instances.
        }
      }
      return HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the local metadata server", e);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** The base URL an instance's agent uses instead of {@code http://metadata.google.internal}. */
  String baseUrl(String instance) {
    return "http://127.0.0.1:" + port() + "/" + instance + "/computeMetadata/v1";
  }

  /** Serves {@code api}'s paths on this server too. */
  void serve(LocalAgentApi api) {
    this.agentApi = api;
  }

  /** The base URL of this server, for the agent's API overrides. */
  String rootUrl() {
    return "http://127.0.0.1:" + port();
  }

  private void handle(HttpExchange exchange) throws IOException {
    LocalAgentApi api = agentApi;
    if (api != null && LocalAgentApi.handles(exchange.getRequestURI().getPath())) {
      api.handle(exchange);
      return;
    }
    try (exchange) {
      if (!"Google".equals(exchange.getRequestHeaders().getFirst("Metadata-Flavor"))) {
        send(exchange, 403, "text/plain", "Missing Metadata-Flavor:Google header.");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      String query = exchange.getRequestURI().getQuery();
      String[] parts = path.split("/", 4);
      // parts: "", instance, "computeMetadata", "v1/..."
      if (parts.length < 4 || !parts[2].equals("computeMetadata") || !parts[3].startsWith("v1/")) {
        send(exchange, 404, "text/plain", "not found");
        return;
      }
      Optional<InstanceView> instance = lookup.apply(parts[1]);
      if (instance.isEmpty()) {
        send(exchange, 404, "text/plain", "no such instance");
        return;
      }
      String key = parts[3].substring(3);
      Optional<String[]> answer = answer(instance.get(), key, query);
      if (answer.isEmpty()) {
        send(exchange, 404, "text/plain", "not found");
      } else {
        send(exchange, 200, answer.get()[0], answer.get()[1]);
      }
    }
  }

  private Optional<String[]> answer(InstanceView instance, String key, String query)
      throws IOException {
    boolean recursive = query != null && query.contains("recursive=true");
    String text = "application/text";
    if (key.equals("instance/attributes/") || key.equals("instance/attributes")) {
      if (recursive) {
        return Optional.of(
            new String[] {
              "application/json",
              Json.MAPPER.writeValueAsString(new TreeMap<>(instance.attributes()))
            });
      }
      return Optional.of(
          new String[] {
            text, String.join("\n", new TreeMap<>(instance.attributes()).keySet()) + "\n"
          });
    }
    if (key.startsWith("instance/attributes/")) {
      String value = instance.attributes().get(key.substring("instance/attributes/".length()));
      return Optional.ofNullable(value).map(v -> new String[] {text, v});
    }
    return switch (key) {
      case "instance/name", "instance/hostname" ->
          Optional.of(new String[] {text, instance.name()});
      case "instance/zone" ->
          Optional.of(new String[] {text, "projects/0/zones/" + instance.zone()});
      case "instance/id" ->
          Optional.of(new String[] {text, Integer.toString(Math.abs(instance.name().hashCode()))});
      case "project/project-id" -> Optional.of(new String[] {text, project});
      case "project/numeric-project-id" -> Optional.of(new String[] {text, "0"});
      case "instance/service-accounts/default/email" ->
          Optional.of(
              new String[] {
                text, instance.serviceAccount() == null ? "default" : instance.serviceAccount()
              });
      case "instance/service-accounts/default/token" ->
          instance.token() == null
              ? Optional.empty()
              : Optional.of(
                  new String[] {
                    "application/json",
                    Json.MAPPER.writeValueAsString(
                        Map.of(
                            "access_token",
                            instance.token(),
                            "expires_in",
                            3599,
                            "token_type",
                            "Bearer"))
                  });
      case "instance/service-accounts/default/identity" ->
          Optional.of(new String[] {text, "local-placeholder-identity-token"});
      default -> Optional.empty();
    };
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Metadata-Flavor", "Google");
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
