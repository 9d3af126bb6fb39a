package dev.mlcp.platform.serving.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mlcp.platform.serving.RevisionMetrics.RequestStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The local "URL map": a reverse proxy on one loopback port that sends each request to a revision
 * chosen by weight, then to one of that revision's healthy instances (round robin), and records per
 * revision each answer's success (not 5xx, not unreachable) and latency: what canary analysis reads
 * locally, like Cloud Monitoring's load-balancer metrics in the cloud.
 */
final class LocalTrafficProxy implements AutoCloseable {
  /** Outcomes kept per revision (the oldest are dropped). */
  static final int KEPT = 50_000;

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "host",
          "keep-alive",
          "transfer-encoding",
          "upgrade",
          "expect",
          "te",
          "trailer",
          "proxy-connection");

  /** One answered request. */
  record Outcome(Instant at, boolean ok, double latencyMillis) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient client;
  private final Clock clock;
  private final Function<String, List<Integer>> healthyPorts;
  private volatile Map<String, Integer> percents = Map.of();
  private final Map<String, Deque<Outcome>> outcomes = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger();

  /**
   * @param port port to listen on (0: any free port)
   * @param healthyPorts revision → ports of its healthy instances
   */
  LocalTrafficProxy(int port, Function<String, List<Integer>> healthyPorts, Clock clock) {
    this.healthyPorts = healthyPorts;
    this.clock = clock;
    this.executor =
        Executors.newFixedThreadPool(
            16,
            r -> {
              Thread t = new Thread(r, "mlcp-serving-proxy");
              t.setDaemon(true);
              return t;
            });
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void route(Map<String, Integer> split) {
    this.percents = Map.copyOf(split);
  }

  /** Requests {@code revision} answered in [since, until). */
  RequestStats stats(String revision, Instant since, Instant until) {
    Deque<Outcome> all = outcomes.get(revision);
    if (all == null) {
      return RequestStats.none();
    }
    List<Double> latencies = new ArrayList<>();
    long errors = 0;
    synchronized (all) {
      for (Outcome o : all) {
        if (!o.at().isBefore(since) && o.at().isBefore(until)) {
          latencies.add(o.latencyMillis());
          if (!o.ok()) {
            errors++;
          }
        }
      }
    }
    if (latencies.isEmpty()) {
      return RequestStats.none();
    }
    latencies.sort(Double::compare);
    int index = (int) Math.ceil(0.99 * latencies.size()) - 1;
    return new RequestStats(latencies.size(), errors, latencies.get(Math.max(0, index)));
  }

  private String pick() {
    Map<String, Integer> split = percents;
    int total = split.values().stream().mapToInt(Integer::intValue).sum();
    if (total <= 0) {
      return null;
    }
    int n = ThreadLocalRandom.current().nextInt(total);
    for (Map.Entry<String, Integer> e : split.entrySet()) {
      n -= e.getValue();
      if (n < 0) {
        return e.getKey();
      }
    }
    return null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String revision = pick();
      if (revision == null) {
        answer(exchange, 503, "no revision receives traffic\n");
        return;
      }
      long start = System.nanoTime();
      boolean ok = false;
      try {
        List<Integer> ports = healthyPorts.apply(revision);
        if (ports.isEmpty()) {
          answer(exchange, 503, "revision " + revision + " has no healthy instance\n");
          return;
        }
        int port = ports.get(Math.floorMod(next.getAndIncrement(), ports.size()));
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
          body = in.readAllBytes();
        }
        HttpRequest.Builder request =
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange
            .getRequestHeaders()
            .forEach(
                (name, values) -> {
                  if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> request.header(name, v));
                  }
                });
        HttpResponse<byte[]> response;
        try {
          response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
          answer(exchange, 502, "revision " + revision + " did not answer\n");
          return;
        }
        ok = response.statusCode() < 500;
        response
            .headers()
            .map()
            .forEach(
                (name, values) -> {
                  if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))
                      && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                  }
                });
        exchange.getResponseHeaders().set("X-Mlcp-Revision", revision);
        byte[] out = response.body();
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answer(exchange, 502, "interrupted\n");
      } finally {
        record(revision, ok, (System.nanoTime() - start) / 1e6);
      }
    }
  }

  private void record(String revision, boolean ok, double millis) {
    Deque<Outcome> all = outcomes.computeIfAbsent(revision, r -> new ArrayDeque<>());
    synchronized (all) {
      all.addLast(new Outcome(clock.instant(), ok, millis));
      while (all.size() > KEPT) {
        all.removeFirst();
      }
    }
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
