package dev.mlcp.messaging.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives {@code POST /pubsub/push/<channel>} the way Pub/Sub push does: one JSON envelope per
 * request with 1 KB of base64 data and CloudEvents attributes, from a fixed number of concurrent
 * in-flight requests over loopback (JDK {@link HttpClient}, HTTP/1.1 keep-alive).
 */
final class PushLoad {
  private final URI endpoint;
  private final int concurrency;
  private final String subscription;
  private final String data;

  PushLoad(URI endpoint, int concurrency, String subscription, int dataBytes) {
    this.endpoint = endpoint;
    this.concurrency = concurrency;
    this.subscription = subscription;
    this.data = Base64.getEncoder().encodeToString(payload(dataBytes));
  }

  /** Outcome of one run. */
  record Result(
      int requests,
      int concurrency,
      long acked,
      long errors,
      Map<String, Long> failures,
      double seconds,
      double p50Millis,
      double p99Millis,
      double maxMillis) {
    double perSecond() {
      return requests / seconds;
    }
  }

  /** Sends {@code requests} pushes, at most {@code concurrency} in flight, and waits for all. */
  Result run(int requests) throws InterruptedException {
    ExecutorService executor = Executors.newFixedThreadPool(2);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(executor)
            .build();
    long[] latencies = new long[requests];
    LongAdder acked = new LongAdder();
    AtomicLong errors = new AtomicLong();
    Map<String, Long> failures = new ConcurrentHashMap<>();
    Semaphore slots = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(requests);
    String runId = Long.toHexString(System.nanoTime());
    long start = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      slots.acquire();
      int index = i;
      HttpRequest request =
          HttpRequest.newBuilder(endpoint)
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(envelope(runId, i)))
              .build();
      long sent = System.nanoTime();
      client
          .sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, failure) -> {
                latencies[index] = System.nanoTime() - sent;
                if (failure == null && response.statusCode() == 204) {
                  acked.increment();
                } else {
                  errors.incrementAndGet();
                  String key =
                      failure != null
                          ? failure.getClass().getSimpleName()
                          : "HTTP " + response.statusCode();
                  failures.merge(key, 1L, Long::sum);
                }
                slots.release();
                done.countDown();
              });
    }
    done.await(10, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    executor.shutdownNow();
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new Result(
        requests,
        concurrency,
        acked.sum(),
        errors.get(),
        new TreeMap<>(failures),
        seconds,
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        sorted[sorted.length - 1] / 1e6);
  }

  private static double percentile(long[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
  }

  /** A push envelope as Pub/Sub sends it for a CloudEvent in binary content mode. */
  private String envelope(String runId, int i) {
    String id = runId + "-" + i;
    String now = Instant.now().toString();
    return new StringBuilder(data.length() + 700)
        .append("{\"message\":{\"attributes\":{")
        .append("\"ce-specversion\":\"1.0\",")
        .append("\"ce-type\":\"dev.mlcp.training.completed.v1\",")
        .append("\"ce-source\":\"//mlcp/experiment-vm\",")
        .append("\"ce-id\":\"")
        .append(id)
        .append("\",\"ce-time\":\"")
        .append(now)
        .append("\",\"ce-subject\":\"runs/bench-run-")
        .append(i % 512)
        .append("\",\"content-type\":\"application/json\"},")
        .append("\"data\":\"")
        .append(data)
        .append("\",\"messageId\":\"")
        .append(id)
        .append("\",\"message_id\":\"")
        .append(id)
        .append("\",\"publishTime\":\"")
        .append(now)
        .append("\",\"publish_time\":\"")
        .append(now)
        .append("\"},\"subscription\":\"")
        .append(subscription)
        .append("\",\"deliveryAttempt\":1}")
        .toString();
  }

  private static byte[] payload(int size) {
    StringBuilder json =
        new StringBuilder("{\"runId\":\"bench-run\",\"status\":\"SUCCEEDED\",\"outputs\":\"");
    while (json.length() < size - 2) {
      json.append('x');
    }
    json.append("\"}");
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }
}
