package dev.mlcp.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console server against a JDK HttpServer standing in for training-runner. */
class ConsoleServerTest {
  private HttpServer backend;
  private final BlockingQueue<Map<String, Object>> seen = new LinkedBlockingQueue<>();
  private final CountDownLatch firstEventRead = new CountDownLatch(1);
  private ConsoleServer console;
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void start() throws IOException {
    backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    backend.createContext(
        "/",
        exchange -> {
          byte[] in = exchange.getRequestBody().readAllBytes();
          seen.add(
              Map.of(
                  "method", exchange.getRequestMethod(),
                  "uri", exchange.getRequestURI().toString(),
                  "authorization",
                      String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")),
                  "cookie", String.valueOf(exchange.getRequestHeaders().getFirst("Cookie")),
                  "body", new String(in, StandardCharsets.UTF_8)));
          if (exchange.getRequestURI().getPath().endsWith("/logs")) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(
                "event: log\ndata: {\"message\":\"one\"}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
              // The second event only once the client has read the first through the proxy.
              firstEventRead.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            out.write("event: end\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
            out.close();
            return;
          }
          byte[] body = "{\"runs\":[]}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.getResponseHeaders().set("Set-Cookie", "upstream=1");
          exchange.sendResponseHeaders(201, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    backend.start();
    URI tr = URI.create("http://127.0.0.1:" + backend.getAddress().getPort());
    console =
        ConsoleServer.start(
            new ConsoleConfig(
                0, Map.of("training-runner", tr), audience -> "tok-for-" + audience.getPort()));
  }

  @AfterEach
  void stop() {
    console.close();
    backend.stop(0);
  }

  @Test
  void url_is_loopback_with_a_random_key_per_start() throws IOException {
    assertThat(console.url().getHost()).isEqualTo("127.0.0.1");
    assertThat(console.url().getQuery()).matches("key=[A-Za-z0-9_-]{43}");
    try (ConsoleServer other =
        ConsoleServer.start(new ConsoleConfig(0, Map.of(), audience -> "x"))) {
      assertThat(other.url().getQuery()).isNotEqualTo(console.url().getQuery());
    }
  }

  @Test
  void without_the_cookie_nothing_is_served_or_proxied() throws Exception {
    assertThat(get("/", null).statusCode()).isEqualTo(401);
    assertThat(get("/app.js", null).statusCode()).isEqualTo(401);
    HttpResponse<String> api = get("/api/training-runner/v1/runs", null);
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.body()).contains("urn:mlcp:problem:unauthenticated");
    assertThat(get("/", "mlcp_console_" + console.port() + "=wrong").statusCode()).isEqualTo(401);
    assertThat(get("/?key=wrong", null).statusCode()).isEqualTo(401);
    assertThat(seen).isEmpty();
  }

  @Test
  void the_key_once_sets_an_http_only_strict_cookie_that_opens_the_console() throws Exception {
    HttpResponse<String> opened = get("/?" + console.url().getQuery(), null);
    assertThat(opened.statusCode()).isEqualTo(303);
    assertThat(opened.headers().firstValue("Location")).hasValue("/");
    String setCookie = opened.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith("mlcp_console_" + console.port() + "=" + key() + ";")
        .contains("HttpOnly")
        .contains("SameSite=Strict")
        .contains("Path=/");
    HttpResponse<String> index = get("/", cookie());
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(index.headers().firstValue("Content-Security-Policy")).isPresent();
    assertThat(index.body()).contains("<title>mlcp console</title>");
    // Opened again with the cookie: still redirected, the key does not stay in the address bar.
    assertThat(get("/?" + console.url().getQuery(), cookie()).statusCode()).isEqualTo(303);
  }

  @Test
  void a_foreign_host_or_origin_is_refused_even_with_the_cookie() throws Exception {
    assertThat(
            raw(
                "GET / HTTP/1.1\r\nHost: evil.example:"
                    + console.port()
                    + "\r\nCookie: "
                    + cookie()
                    + "\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 403");
    HttpResponse<String> crossSite =
        http.send(
            HttpRequest.newBuilder(uri("/api/training-runner/v1/runs"))
                .header("Cookie", cookie())
                .header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(seen).isEmpty();
  }

  @Test
  void proxy_adds_the_bearer_keeps_the_query_and_never_forwards_the_cookie() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/training-runner/v1/runs?state=RUNNING&pageSize=5"))
                .header("Cookie", cookie())
                .header("Authorization", "Bearer from-the-browser")
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "k1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body()).isEqualTo("{\"runs\":[]}");
    assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
    Map<String, Object> call = seen.poll(10, TimeUnit.SECONDS);
    assertThat(call)
        .containsEntry("method", "POST")
        .containsEntry("uri", "/v1/runs?state=RUNNING&pageSize=5")
        .containsEntry("authorization", "Bearer tok-for-" + backend.getAddress().getPort())
        .containsEntry("cookie", "null")
        .containsEntry("body", "{\"name\":\"x\"}");
  }

  @Test
  void proxy_streams_each_event_as_it_arrives() throws Exception {
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/training-runner/v1/runs/r1/logs?follow=true"))
                .header("Cookie", cookie())
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      // A buffering proxy holds "one" until the backend ends, which waits for this read: the
      // backend's 30 s wait would pass first and this read would see both at once, late.
      long t0 = System.nanoTime();
      assertThat(lines.readLine()).isEqualTo("event: log");
      assertThat(lines.readLine()).contains("one");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
      firstEventRead.countDown();
      lines.readLine();
      assertThat(lines.readLine()).isEqualTo("event: end");
    }
  }

  @Test
  void unknown_service_is_404_and_only_the_public_api_is_proxied() throws Exception {
    HttpResponse<String> unknown = get("/api/billing/v1/accounts", cookie());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("urn:mlcp:problem:not-found").contains("training-runner");
    assertThat(get("/api/artifact-writer/v1/models", cookie()).statusCode()).isEqualTo(404);
    assertThat(get("/api/training-runner/internal/reconcile", cookie()).statusCode())
        .isEqualTo(404);
    assertThat(get("/api/training-runner/q/metrics", cookie()).statusCode()).isEqualTo(404);
    assertThat(seen).isEmpty();
  }

  @Test
  void path_traversal_is_refused_in_the_bundle_and_the_proxy() throws Exception {
    for (String path :
        List.of(
            "/../pom.xml",
            "/%2e%2e/dev/mlcp/console/ConsoleServer.class",
            "/vendor/uplot/..%2f..%2f..%2fpom.properties",
            "/dev/mlcp/console/ConsoleServer.class",
            "/api/training-runner/v1/../internal/reconcile",
            "/api/training-runner/v1/%2e%2e/internal/reconcile",
            "/api/training-runner/v1/runs%2f..%2f..%2finternal")) {
      String response =
          raw(
              "GET "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + console.port()
                  + "\r\nCookie: "
                  + cookie()
                  + "\r\nConnection: close\r\n\r\n");
      assertThat(response).as(path).containsPattern("^HTTP/1.1 40[04]");
      // No class file (0xCAFEBABE) and no pom.
      assertThat(response)
          .as(path)
          .doesNotContain("\u00ca\u00fe\u00ba\u00be")
          .doesNotContain("<project");
    }
    assertThat(seen).isEmpty();
  }

  @Test
  void serves_uplot_from_its_webjar_and_the_config() throws Exception {
    HttpResponse<String> uplot = get("/vendor/uplot/uPlot.esm.js", cookie());
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.headers().firstValue("Content-Type"))
        .hasValue("text/javascript; charset=utf-8");
    assertThat(uplot.body()).contains("export");
    assertThat(get("/vendor/uplot/uPlot.min.css", cookie()).statusCode()).isEqualTo(200);
    assertThat(get("/config.json", cookie()).body())
        .isEqualTo("{\"services\":[\"training-runner\"],\"warehouse\":\"bigquery\"}");
  }

  @Test
  void a_service_that_is_down_is_a_502_problem() throws Exception {
    backend.stop(0);
    HttpResponse<String> down = get("/api/training-runner/v1/runs", cookie());
    assertThat(down.statusCode()).isEqualTo(502);
    assertThat(down.body()).contains("urn:mlcp:problem:unavailable");
  }

  // ---- helpers --------------------------------------------------------------------------------

  private String key() {
    return console.url().getQuery().substring("key=".length());
  }

  private String cookie() {
    return "mlcp_console_" + console.port() + "=" + key();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + console.port() + path);
  }

  private HttpResponse<String> get(String path, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request written as is: no client normalizes its path or sets its Host. */
  private String raw(String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), console.port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
