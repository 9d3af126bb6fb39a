package dev.mlcp.console;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The console's server: the static bundle ({@code console/} on the class path), uPlot from its
 * webjar under {@code /vendor/uplot/}, {@code /config.json} (which services exist, the warehouse
 * dialect) and a streaming proxy {@code /api/<service>/v1/**} → {@code <service URL>/v1/**} that
 * adds {@code Authorization: Bearer <ID token>}.
 *
 * <p>Who may use it: it binds the loopback address only, and every request must carry the cookie
 * set by opening {@link #url()} (a random key per start, Jupyter's model): another local user, or a
 * web page in the same browser, cannot reach the services through it. The key is compared in
 * constant time; the cookie is HttpOnly and SameSite=Strict; a request whose Host or Origin is not
 * this server is refused (DNS rebinding, cross-site requests). Tokens never reach the browser.
 */
public final class ConsoleServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConsoleServer.class.getName());

  /** The class-path directory of the bundle. */
  static final String BUNDLE = "console/";

  /** The class-path directory of uPlot's distribution in its webjar. */
  static final String UPLOT = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";

  /**
   * Request headers passed on to a service; everything else (Cookie first) stays here. Not Accept:
   * the services answer in their one type (an EventSource's {@code text/event-stream} would not
   * match the log endpoint's declared {@code text/plain}, which streams SSE on {@code follow}).
   */
  private static final Set<String> FORWARDED_REQUEST =
      Set.of("content-type", "last-event-id", "idempotency-key", "if-match");

  /** Response headers passed back to the browser. */
  private static final Set<String> FORWARDED_RESPONSE =
      Set.of(
          "content-type",
          "cache-control",
          "retry-after",
          "etag",
          "content-disposition",
          "x-accel-buffering");

  private static final Pattern SERVICE_PATH = Pattern.compile("/api/([a-z-]+)(/.*)");
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "mjs", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "json", "application/json",
          "png", "image/png",
          "svg", "image/svg+xml",
          "ico", "image/x-icon");
  private static final String CSP =
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  /** Requests the server handles at once; a log follow holds one for as long as it is open. */
  static final int THREADS = 64;

  private final ConsoleConfig config;
  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient client;
  private final String key;
  private final String cookie;
  private final int port;

  private ConsoleServer(ConsoleConfig config) throws IOException {
    this.config = config;
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.key = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), config.bindPort()), 0);
    this.port = server.getAddress().getPort();
    // Cookies are not scoped by port: the name is, so two consoles on one host do not clash.
    this.cookie = "mlcp_console_" + port;
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "console-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * Starts a console.
   *
   * @return the running server; {@link #url()} is what to open (once) in a browser
   * @throws IOException when the port cannot be bound
   */
  public static ConsoleServer start(ConsoleConfig config) throws IOException {
    ConsoleServer console = new ConsoleServer(config);
    console.server.start();
    LOG.info(
        () ->
            "console on http://127.0.0.1:"
                + console.port
                + "/ for "
                + new TreeSet<>(config.services().keySet()));
    return console;
  }

  /** The URL to open: the loopback address, the port and the session key. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + port + "/?key=" + key);
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** Stops listening; open log follows end. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) {
    try {
      secureHeaders(exchange.getResponseHeaders());
      if (!sameHost(exchange)) {
        problem(exchange, 403, "forbidden", "This console answers only to 127.0.0.1:" + port + ".");
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      if (path.equals("/") && keyInQuery(exchange)) {
        // The key once in the URL, then a cookie: it leaves the address bar and the history (also
        // when this browser already has the cookie).
        exchange
            .getResponseHeaders()
            .add(
                "Set-Cookie",
                cookie + "=" + key + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400");
        exchange.getResponseHeaders().set("Location", "/");
        exchange.sendResponseHeaders(303, -1);
        return;
      }
      if (!authenticated(exchange)) {
        problem(
            exchange,
            401,
            "unauthenticated",
            "Open the URL with ?key= that started this console (mlcp console, or the demo's"
                + " output) once in this browser.");
        return;
      }
      if (path.startsWith("/api/")) {
        proxy(exchange, path);
      } else if (path.equals("/config.json")) {
        configJson(exchange);
      } else {
        serve(exchange, path);
      }
    } catch (IOException | RuntimeException e) {
      // A browser that went away mid-stream is normal (a closed log view).
      LOG.log(Level.FINE, "request ended: " + e, e);
    } finally {
      exchange.close();
    }
  }

  private boolean sameHost(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    Set<String> ours = Set.of("127.0.0.1:" + port, "localhost:" + port);
    if (host == null || !ours.contains(host.toLowerCase(Locale.ROOT))) {
      return false;
    }
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    return origin == null
        || origin.equals("http://127.0.0.1:" + port)
        || origin.equals("http://localhost:" + port);
  }

  private boolean authenticated(HttpExchange exchange) {
    List<String> headers = exchange.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return false;
    }
    for (String header : headers) {
      for (String part : header.split(";")) {
        String c = part.trim();
        int eq = c.indexOf('=');
        if (eq > 0 && c.substring(0, eq).equals(cookie) && matches(c.substring(eq + 1))) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean keyInQuery(HttpExchange exchange) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null) {
      return false;
    }
    for (String param : query.split("&")) {
      if (param.startsWith("key=")
          && matches(URLDecoder.decode(param.substring(4), StandardCharsets.UTF_8))) {
        return true;
      }
    }
    return false;
  }

  private boolean matches(String candidate) {
    return MessageDigest.isEqual(
        candidate.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
  }

  // ---- static files -----------------------------------------------------------------------------

  private void serve(HttpExchange exchange, String rawPath) throws IOException {
    if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      problem(exchange, 405, "method-not-allowed", "The bundle is read-only.");
      return;
    }
    Optional<String> relative = safeRelative(rawPath);
    if (relative.isEmpty()) {
      problem(exchange, 400, "bad-request", "Not a path of the console: " + rawPath);
      return;
    }
    String file = relative.get();
    String resource;
    if (file.isEmpty()) {
      resource = BUNDLE + "index.html";
    } else if (file.startsWith("vendor/uplot/")) {
      resource = UPLOT + file.substring("vendor/uplot/".length());
    } else {
      resource = BUNDLE + file;
    }
    InputStream in =
        resource.endsWith("/")
            ? null
            : ConsoleServer.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      problem(exchange, 404, "not-found", "No such file in the console: /" + file);
      return;
    }
    try (in) {
      byte[] body = in.readAllBytes();
      String ext = file.contains(".") ? file.substring(file.lastIndexOf('.') + 1) : "html";
      exchange
          .getResponseHeaders()
          .set("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"));
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(200, head ? -1 : body.length);
      if (!head) {
        exchange.getResponseBody().write(body);
      }
    }
  }

  /**
   * The path below {@code /}, decoded segment by segment; empty when a segment is {@code .}, {@code
   * ..}, empty (but for a trailing one of the root), or holds a separator or control character once
   * decoded: nothing outside the bundle can be named.
   */
  static Optional<String> safeRelative(String rawPath) {
    if (rawPath == null || !rawPath.startsWith("/")) {
      return Optional.empty();
    }
    if (rawPath.equals("/")) {
      return Optional.of("");
    }
    String[] segments = rawPath.substring(1).split("/", -1);
    StringBuilder out = new StringBuilder();
    for (String raw : segments) {
      String s;
      try {
        s = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      if (s.isEmpty() || s.equals(".") || s.equals("..") || !s.matches("[A-Za-z0-9._-]+")) {
        return Optional.empty();
      }
      out.append(out.length() == 0 ? "" : "/").append(s);
    }
    return Optional.of(out.toString());
  }

  private void configJson(HttpExchange exchange) throws IOException {
    StringBuilder json = new StringBuilder("{\"services\":[");
    boolean first = true;
    for (String s : new TreeSet<>(config.services().keySet())) {
      json.append(first ? "" : ",").append('"').append(s).append('"');
      first = false;
    }
    json.append("],\"warehouse\":\"").append(config.warehouse()).append("\"}");
    byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
  }

  // ---- proxy ------------------------------------------------------------------------------------

  private void proxy(HttpExchange exchange, String rawPath) throws IOException {
    var m = SERVICE_PATH.matcher(rawPath);
    URI base = m.matches() ? config.services().get(m.group(1)) : null;
    if (base == null) {
      problem(
          exchange,
          404,
          "not-found",
          "No such service behind this console; it knows "
              + new TreeSet<>(config.services().keySet()));
      return;
    }
    String rest = m.group(2);
    // Only the public API: /internal/** (admin jobs) and /pubsub/** stay out of the browser's
    // reach.
    if (!rest.startsWith("/v1/")) {
      problem(exchange, 404, "not-found", "The console proxies /api/<service>/v1/** only.");
      return;
    }
    if (!apiPathOk(rest)) {
      problem(exchange, 400, "bad-request", "Not an API path: " + rest);
      return;
    }
    String query = exchange.getRequestURI().getRawQuery();
    String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
    URI target =
        URI.create(
            base.getScheme()
                + "://"
                + base.getRawAuthority()
                + basePath
                + rest
                + (query == null ? "" : "?" + query));
    String token;
    try {
      token = config.tokens().idToken(base);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "no token for " + base + ": " + e.getMessage());
      problem(
          exchange, 502, "unavailable", "No ID token for " + m.group(1) + ": " + e.getMessage());
      return;
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(target);
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (FORWARDED_REQUEST.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
              }
            });
    request.header("Authorization", "Bearer " + token);
    String method = exchange.getRequestMethod();
    boolean hasBody =
        exchange.getRequestHeaders().containsKey("Content-Length")
            || exchange.getRequestHeaders().containsKey("Transfer-Encoding");
    request.method(
        method,
        hasBody
            ? HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody)
            : HttpRequest.BodyPublishers.noBody());
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException | HttpTimeoutException e) {
      problem(exchange, 502, "unavailable", m.group(1) + " is not reachable: " + e);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try (InputStream body = response.body()) {
      Headers out = exchange.getResponseHeaders();
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (FORWARDED_RESPONSE.contains(name.toLowerCase(Locale.ROOT))) {
                  values.forEach(v -> out.add(name, v));
                }
              });
      int status = response.statusCode();
      boolean noBody = status == 204 || status == 304 || "HEAD".equals(method);
      exchange.sendResponseHeaders(status, noBody ? -1 : 0);
      if (!noBody) {
        copyFlushing(body, exchange.getResponseBody());
      }
    }
  }

  private static boolean apiPathOk(String rest) {
    // Segments are checked like the bundle's, with ':' (custom verbs like :verify), '@' and '~'.
    for (String raw : rest.substring(1).split("/", -1)) {
      String s;
      try {
        s = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return false;
      }
      if (s.isEmpty() || s.equals(".") || s.equals("..") || !s.matches("[A-Za-z0-9._:@~-]+")) {
        return false;
      }
    }
    return true;
  }

  /** Copies as bytes arrive and flushes each read: a log follow's events show as they come. */
  private static void copyFlushing(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      out.flush();
    }
  }

  // ---- responses --------------------------------------------------------------------------------

  private static void secureHeaders(Headers h) {
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
  }

  private static void problem(HttpExchange exchange, int status, String kind, String detail)
      throws IOException {
    String json =
        "{\"type\":\"urn:mlcp:problem:"
            + kind
            + "\",\"title\":\""
            + kind.replace('-', ' ')
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + escape(detail)
            + "\"}";
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20 || c == '<' || c == '>') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  private static String uplotVersion() {
    Properties p = new Properties();
    try (InputStream in = ConsoleServer.class.getResourceAsStream("console.properties")) {
      if (in == null) {
        throw new IllegalStateException("console.properties missing from the jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("uplot.version");
  }
}
