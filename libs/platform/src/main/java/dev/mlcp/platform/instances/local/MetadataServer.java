package dev.mlcp.platform.instances.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mlcp.platform.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A loopback stand-in for the GCE metadata server, one path prefix per local instance: {@code
 * http://127.0.0.1:P/<instance>/computeMetadata/v1/...}. Like GCE it requires the {@code
 * Metadata-Flavor: Google} header and answers instance attributes, name, zone, project id and a
 * service-account token: the instance's own random token (no Google credential), served only on
 * that instance's path and accepted by {@link LocalAgentApi} for that instance only.
 *
 * <p>Guest attributes ({@code instance/guest-attributes/<namespace>/<key>}: PUT, GET, DELETE) are
 * served as on GCE when the instance's metadata has {@code enable-guest-attributes=TRUE}. On GCE
 * the metadata server knows which VM is asking; here every instance shares the loopback, so a
 * request must also carry that instance's own token ({@code Authorization: Bearer}): an agent can
 * write its own guest attributes and nobody else's.
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

  /** Where guest attributes live; keys are {@code <namespace>/<key>}. */
  interface GuestAttributeStore {
    /** The value, empty when there is none. */
    Optional<String> read(String instance, String key);

    /** Writes (or replaces) a value. */
    void write(String instance, String key, String value);

    /** Removes a value. */
    void delete(String instance, String key);
  }

  /** Namespace and key segments as GCE allows them. */
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  /** Largest guest-attribute value accepted here. */
  static final int MAX_GUEST_ATTRIBUTE_BYTES = 4096;

  private static final String GUEST_ATTRIBUTES = "instance/guest-attributes/";

  private final HttpServer server;
  private final String project;
  private final Function<String, Optional<InstanceView>> lookup;
  private final GuestAttributeStore guestAttributes;
  private volatile LocalAgentApi agentApi;

  MetadataServer(
      int preferredPort,
      String project,
      Function<String, Optional<InstanceView>> lookup,
      GuestAttributeStore guestAttributes) {
    this.project = project;
    this.lookup = lookup;
    this.guestAttributes = guestAttributes;
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
      if (key.startsWith(GUEST_ATTRIBUTES)) {
        guestAttribute(exchange, instance.get(), key.substring(GUEST_ATTRIBUTES.length()));
        return;
      }
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "text/plain", "method not allowed");
        return;
      }
      Optional<String[]> answer = answer(instance.get(), key, query);
      if (answer.isEmpty()) {
        send(exchange, 404, "text/plain", "not found");
      } else {
        send(exchange, 200, answer.get()[0], answer.get()[1]);
      }
    }
  }

  private void guestAttribute(HttpExchange exchange, InstanceView instance, String path)
      throws IOException {
    if (!"TRUE".equalsIgnoreCase(instance.attributes().get("enable-guest-attributes"))) {
      send(
          exchange,
          403,
          "text/plain",
          "guest attributes are disabled for this instance (metadata enable-guest-attributes)");
      return;
    }
    if (!ownToken(exchange, instance)) {
      send(exchange, 401, "text/plain", "a guest attribute needs the instance's own token");
      return;
    }
    String[] segments = path.split("/", -1);
    if (segments.length != 2
        || !SEGMENT.matcher(segments[0]).matches()
        || !SEGMENT.matcher(segments[1]).matches()) {
      send(exchange, 400, "text/plain", "expected instance/guest-attributes/<namespace>/<key>");
      return;
    }
    String key = segments[0] + "/" + segments[1];
    switch (exchange.getRequestMethod()) {
      case "PUT" -> {
        byte[] value;
        try (InputStream body = exchange.getRequestBody()) {
          value = body.readNBytes(MAX_GUEST_ATTRIBUTE_BYTES + 1);
        }
        if (value.length > MAX_GUEST_ATTRIBUTE_BYTES) {
          send(exchange, 413, "text/plain", "value larger than " + MAX_GUEST_ATTRIBUTE_BYTES);
          return;
        }
        guestAttributes.write(instance.name(), key, new String(value, StandardCharsets.UTF_8));
        send(exchange, 200, "text/plain", "");
      }
      case "GET" -> {
        Optional<String> value = guestAttributes.read(instance.name(), key);
        if (value.isEmpty()) {
          send(exchange, 404, "text/plain", "not found");
        } else {
          send(exchange, 200, "application/text", value.get());
        }
      }
      case "DELETE" -> {
        guestAttributes.delete(instance.name(), key);
        send(exchange, 200, "text/plain", "");
      }
      default -> send(exchange, 405, "text/plain", "method not allowed");
    }
  }

  /** Whether the request carries {@code instance}'s own token; constant-time comparison. */
  private static boolean ownToken(HttpExchange exchange, InstanceView instance) {
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (instance.token() == null || auth == null || !auth.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        instance.token().getBytes(StandardCharsets.US_ASCII),
        auth.substring("Bearer ".length()).trim().getBytes(StandardCharsets.US_ASCII));
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
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
