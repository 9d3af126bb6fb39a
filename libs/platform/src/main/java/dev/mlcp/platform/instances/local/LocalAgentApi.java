package dev.mlcp.platform.instances.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few Google APIs a VM agent calls, served to local "VMs" on the metadata server's port and
 * backed by the local adapters, so the agent script runs unchanged on this machine:
 *
 * <ul>
 *   <li>{@code /compute/v1/projects/P/zones/Z/instances/N}: GET and DELETE of the agent's own
 *       instance (the delete happens just after the answer, as GCE's operation does);
 *   <li>{@code /storage/upload/storage/v1/b/B/o?uploadType=media&name=N}: the GCS media upload,
 *       streamed into the ObjectStore;
 *   <li>{@code /storage/storage/v1/b/B/o/N[?alt=media]} and {@code
 *       /storage/storage/v1/b/B/o?prefix=}: the GCS JSON API's object metadata, media download and
 *       listing, for the agent's input materialization (infra/vm README, "Inputs");
 *   <li>{@code /secrets/v1/projects/P/secrets/S/versions/V:access}: Secret Manager access.
 * </ul>
 *
 * Requests must carry the token the local metadata server hands out to one instance, and that token
 * acts for its instance only, like a VM's service account with least-privilege roles: GET and
 * DELETE of its own instance, uploads under its own {@code mlcp-output-uri} prefix, reads of the
 * Cloud Storage inputs its own {@code mlcp-input-plan} names and of its output prefix, access to
 * the secrets its own {@code mlcp-secrets} names (the VM agent's metadata contract,
 * infra/vm/README.md). Anything else is 403; a missing or unknown token is 401.
 */
final class LocalAgentApi {
  /** The agent's metadata key naming the run's output prefix, the only place it may upload. */
  static final String OUTPUT_URI = "mlcp-output-uri";

  /** The agent's metadata key naming the run's secrets, the only ones it may read. */
  static final String SECRETS_KEY = "mlcp-secrets";

  /** The agent's metadata key holding the run's resolved inputs, the objects it may read. */
  static final String INPUT_PLAN = "mlcp-input-plan";

  /** The local instance a request's token belongs to. */
  record Caller(String name, String zone, Map<String, String> metadata) {
    Caller {
      metadata = Map.copyOf(metadata);
    }
  }

  static final String COMPUTE = "/compute/v1";
  static final String STORAGE = "/storage";
  static final String SECRETS = "/secrets/v1";

  private static final Pattern INSTANCE =
      Pattern.compile(COMPUTE + "/projects/[^/]+/zones/([^/]+)/instances/([^/]+)");
  private static final Pattern UPLOAD = Pattern.compile(STORAGE + "/upload/storage/v1/b/([^/]+)/o");
  private static final Pattern OBJECTS = Pattern.compile(STORAGE + "/storage/v1/b/([^/]+)/o");
  private static final Pattern OBJECT = Pattern.compile(STORAGE + "/storage/v1/b/([^/]+)/o/(.+)");
  private static final int MAX_PAGE = 1000;
  private static final Pattern SECRET =
      Pattern.compile(
          SECRETS + "/projects/[^/]+/secrets/([A-Za-z0-9_-]+)/versions/([A-Za-z0-9_-]+):access");
  private static final Pattern SECRET_RESOURCE =
      Pattern.compile("projects/[^/]+/secrets/([A-Za-z0-9_-]{1,255})(?:/versions/[A-Za-z0-9_-]+)?");
  private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9_-]{1,255}");

  private final Function<String, Optional<Caller>> authenticate;
  private final BiFunction<String, String, Optional<Instance>> get;
  private final BiConsumer<String, String> deleteSoon;
  private final ObjectStore store;
  private final Secrets secrets;

  /**
   * @param authenticate the instance a bearer token was issued to, if any
   * @param get an instance by zone and name
   * @param deleteSoon deletes an instance shortly, off the calling thread
   * @param store backs uploads
   * @param secrets backs Secret Manager access
   */
  LocalAgentApi(
      Function<String, Optional<Caller>> authenticate,
      BiFunction<String, String, Optional<Instance>> get,
      BiConsumer<String, String> deleteSoon,
      ObjectStore store,
      Secrets secrets) {
    this.authenticate = authenticate;
    this.get = get;
    this.deleteSoon = deleteSoon;
    this.store = store;
    this.secrets = secrets;
  }

  /** Whether {@code path} is one of this API's. */
  static boolean handles(String path) {
    return path.startsWith(COMPUTE + "/")
        || path.startsWith(STORAGE + "/")
        || path.startsWith(SECRETS + "/");
  }

  void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      Optional<Caller> caller =
          auth != null && auth.startsWith("Bearer ") && auth.length() > "Bearer ".length()
              ? authenticate.apply(auth.substring("Bearer ".length()))
              : Optional.empty();
      if (caller.isEmpty()) {
        send(exchange, 401, error(401, "missing or wrong bearer token"));
        return;
      }
      String path = exchange.getRequestURI().getPath();
      // Object names are percent-encoded whole ("a%2Fb"): matched before decoding.
      String raw = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod();
      Matcher m;
      if ((m = INSTANCE.matcher(path)).matches()) {
        instance(exchange, caller.get(), method, m.group(1), m.group(2));
      } else if ((m = UPLOAD.matcher(path)).matches() && method.equals("POST")) {
        upload(exchange, caller.get(), m.group(1));
      } else if ((m = SECRET.matcher(path)).matches() && method.equals("GET")) {
        secret(exchange, caller.get(), m.group(1), m.group(2));
      } else if ((m = OBJECT.matcher(raw)).matches() && method.equals("GET")) {
        object(exchange, caller.get(), decode(m.group(1)), decode(m.group(2)));
      } else if ((m = OBJECTS.matcher(raw)).matches() && method.equals("GET")) {
        listing(exchange, caller.get(), decode(m.group(1)));
      } else {
        send(exchange, 404, error(404, "no such local API: " + method + " " + path));
      }
    }
  }

  private void instance(
      HttpExchange exchange, Caller caller, String method, String zone, String name)
      throws IOException {
    if (!caller.name().equals(name) || !caller.zone().equals(zone)) {
      send(
          exchange,
          403,
          error(403, "instance " + caller.name() + " may not act on instances/" + name));
      return;
    }
    Optional<Instance> found = get.apply(zone, name);
    if (found.isEmpty()) {
      send(exchange, 404, error(404, "The resource 'instances/" + name + "' was not found"));
      return;
    }
    switch (method) {
      case "GET" -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", "compute#instance");
        body.put("name", name);
        body.put("zone", zone);
        body.put("status", found.get().status().name());
        send(exchange, 200, Json.MAPPER.writeValueAsBytes(body));
      }
      case "DELETE" -> {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("kind", "compute#operation");
        op.put("operationType", "delete");
        op.put("targetLink", name);
        op.put("status", "RUNNING");
        send(exchange, 200, Json.MAPPER.writeValueAsBytes(op));
        // Answer first: the caller is usually the instance's own agent, which the delete ends.
        deleteSoon.accept(zone, name);
      }
      default -> send(exchange, 405, error(405, method + " is not supported"));
    }
  }

  private void upload(HttpExchange exchange, Caller caller, String bucket) throws IOException {
    String name = queryParam(exchange, "name");
    if (name == null || name.isEmpty()) {
      send(exchange, 400, error(400, "name is required"));
      return;
    }
    ObjectUri uri;
    try {
      uri = new ObjectUri(bucket, name);
    } catch (IllegalArgumentException e) {
      send(exchange, 400, error(400, e.getMessage()));
      return;
    }
    if (!mayWrite(caller, uri)) {
      send(
          exchange,
          403,
          error(
              403, "instance " + caller.name() + " may not write " + uri + ": outside its output"));
      return;
    }
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    try (InputStream body = exchange.getRequestBody()) {
      var written = store.write(uri, body, contentType, WriteCondition.none());
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("kind", "storage#object");
      meta.put("bucket", bucket);
      meta.put("name", name);
      meta.put("size", Long.toString(written.size()));
      meta.put("generation", Long.toString(written.generation()));
      meta.put("crc32c", written.crc32c());
      meta.put("md5Hash", written.md5());
      send(exchange, 200, Json.MAPPER.writeValueAsBytes(meta));
    } catch (PlatformException | IllegalArgumentException e) {
      send(exchange, 400, error(400, e.getMessage()));
    }
  }

  /** Whether {@code uri} is an object under the caller's own {@code mlcp-output-uri} prefix. */
  static boolean mayWrite(Caller caller, ObjectUri uri) {
    String output = caller.metadata().get(OUTPUT_URI);
    if (output == null) {
      return false;
    }
    ObjectUri prefix;
    try {
      prefix = ObjectUri.parse(output);
    } catch (IllegalArgumentException e) {
      return false;
    }
    String start =
        prefix.name().isEmpty() || prefix.name().endsWith("/")
            ? prefix.name()
            : prefix.name() + "/";
    return uri.bucket().equals(prefix.bucket())
        && uri.name().startsWith(start)
        && uri.name().length() > start.length();
  }

  /**
   * Whether the caller may read {@code name} in {@code bucket}, or (listing) every name starting
   * with it: under its own output prefix (exports it started, its own outputs) or under a {@code
   * gs://} input of its {@code mlcp-input-plan} (an object, or every object under its prefix).
   */
  static boolean mayRead(Caller caller, String bucket, String name) {
    for (ObjectUri allowed : readable(caller)) {
      if (!allowed.bucket().equals(bucket)) {
        continue;
      }
      String p = allowed.name();
      if (p.isEmpty() || name.equals(p) || name.startsWith(p.endsWith("/") ? p : p + "/")) {
        return true;
      }
    }
    return false;
  }

  private static List<ObjectUri> readable(Caller caller) {
    List<ObjectUri> out = new ArrayList<>();
    String output = caller.metadata().get(OUTPUT_URI);
    if (output != null) {
      try {
        out.add(ObjectUri.parse(output.endsWith("/") ? output : output + "/"));
      } catch (IllegalArgumentException e) {
        // not a gs:// URI: nothing readable through it
      }
    }
    String plan = caller.metadata().get(INPUT_PLAN);
    if (plan == null || plan.isBlank()) {
      return out;
    }
    try {
      for (JsonNode entry : Json.MAPPER.readTree(plan)) {
        JsonNode uri = entry.path("uri");
        if ("gcs".equals(entry.path("kind").asText()) && uri.isTextual()) {
          try {
            out.add(ObjectUri.parse(uri.asText()));
          } catch (IllegalArgumentException e) {
            // the agent refuses such an entry itself
          }
        }
      }
    } catch (IOException e) {
      // a malformed plan opens nothing
    }
    return out;
  }

  /** {@code GET …/o/NAME}: the object's metadata, or with {@code alt=media} its bytes. */
  private void object(HttpExchange exchange, Caller caller, String bucket, String name)
      throws IOException {
    ObjectUri uri;
    try {
      uri = new ObjectUri(bucket, name);
    } catch (IllegalArgumentException e) {
      send(exchange, 400, error(400, e.getMessage()));
      return;
    }
    if (!mayRead(caller, bucket, name)) {
      send(exchange, 403, error(403, "instance " + caller.name() + " may not read " + uri));
      return;
    }
    try {
      if (!"media".equals(queryParam(exchange, "alt"))) {
        Optional<ObjectMetadata> meta = store.stat(uri);
        if (meta.isEmpty()) {
          send(exchange, 404, error(404, "No such object: " + bucket + "/" + name));
        } else {
          send(exchange, 200, Json.MAPPER.writeValueAsBytes(describe(meta.get())));
        }
        return;
      }
      try (ObjectRead read = store.read(uri)) {
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(
            200, read.metadata().size() == 0 ? -1 : read.metadata().size());
        try (OutputStream out = exchange.getResponseBody();
            InputStream in = read.stream()) {
          in.transferTo(out);
        }
      }
    } catch (PlatformException e) {
      int status = e.kind() == PlatformException.Kind.NOT_FOUND ? 404 : 500;
      send(exchange, status, error(status, e.getMessage()));
    }
  }

  /** {@code GET …/o?prefix=P[&pageToken=T]}: a page of the objects under a readable prefix. */
  private void listing(HttpExchange exchange, Caller caller, String bucket) throws IOException {
    String prefix = Optional.ofNullable(queryParam(exchange, "prefix")).orElse("");
    ObjectUri uri;
    try {
      uri = new ObjectUri(bucket, prefix);
    } catch (IllegalArgumentException e) {
      send(exchange, 400, error(400, e.getMessage()));
      return;
    }
    if (!mayRead(caller, bucket, prefix)) {
      send(exchange, 403, error(403, "instance " + caller.name() + " may not list " + uri));
      return;
    }
    try {
      Page<ObjectMetadata> page = store.list(uri, MAX_PAGE, queryParam(exchange, "pageToken"));
      List<Map<String, Object>> items = new ArrayList<>();
      for (ObjectMetadata meta : page.items()) {
        items.add(describe(meta));
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("kind", "storage#objects");
      body.put("items", items);
      if (page.nextPageToken() != null) {
        body.put("nextPageToken", page.nextPageToken());
      }
      send(exchange, 200, Json.MAPPER.writeValueAsBytes(body));
    } catch (PlatformException | IllegalArgumentException e) {
      send(exchange, 400, error(400, e.getMessage()));
    }
  }

  private static Map<String, Object> describe(ObjectMetadata meta) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "storage#object");
    body.put("bucket", meta.uri().bucket());
    body.put("name", meta.uri().name());
    body.put("size", Long.toString(meta.size()));
    body.put("generation", Long.toString(meta.generation()));
    if (meta.crc32c() != null) {
      body.put("crc32c", meta.crc32c());
    }
    if (meta.md5() != null) {
      body.put("md5Hash", meta.md5());
    }
    return body;
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * The secret ids the caller's {@code mlcp-secrets} names (a JSON array of secrets or an object
   * {ENV: secret}; a secret is an id or {@code projects/P/secrets/S[/versions/V]}), any version.
   */
  static Set<String> namedSecrets(Caller caller) {
    Set<String> ids = new HashSet<>();
    String value = caller.metadata().get(SECRETS_KEY);
    if (value == null || value.isBlank()) {
      return ids;
    }
    JsonNode specs;
    try {
      specs = Json.MAPPER.readTree(value);
    } catch (IOException e) {
      return ids;
    }
    if (specs == null || !(specs.isArray() || specs.isObject())) {
      return ids;
    }
    for (JsonNode spec : specs) {
      if (!spec.isTextual()) {
        continue;
      }
      Matcher m = SECRET_RESOURCE.matcher(spec.asText());
      if (m.matches()) {
        ids.add(m.group(1));
      } else if (SECRET_ID.matcher(spec.asText()).matches()) {
        ids.add(spec.asText());
      }
    }
    return ids;
  }

  private void secret(HttpExchange exchange, Caller caller, String name, String version)
      throws IOException {
    if (!namedSecrets(caller).contains(name)) {
      send(
          exchange,
          403,
          error(403, "instance " + caller.name() + " may not access secret " + name));
      return;
    }
    try (SecretValue value = secrets.access(name, version)) {
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("data", Base64.getEncoder().encodeToString(value.bytes()));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", "projects/local/secrets/" + name + "/versions/" + version);
      body.put("payload", payload);
      send(exchange, 200, Json.MAPPER.writeValueAsBytes(body));
    } catch (PlatformException e) {
      int status = e.kind() == PlatformException.Kind.NOT_FOUND ? 404 : 400;
      send(exchange, status, error(status, e.getMessage()));
    }
  }

  private static String queryParam(HttpExchange exchange, String key) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(key)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static byte[] error(int code, String message) throws IOException {
    return Json.MAPPER.writeValueAsBytes(
        Map.of("error", Map.of("code", code, "message", message == null ? "" : message)));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
