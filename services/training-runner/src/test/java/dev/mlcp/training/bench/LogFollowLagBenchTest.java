package dev.mlcp.training.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.Severity;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import dev.mlcp.training.LocalVmResource;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.RunState;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Log follow lag: entries written through the {@link Logs} port for a RUNNING run while a client
 * follows {@code GET /v1/runs/{id}/logs?follow=true}; per entry, the time from the write call to
 * the arrival of its SSE {@code data:} line at the client. Entries are written one per call at
 * {@code bench.log-rate} per second (default 20).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@WithTestResource(PubSubEmulatorResource.class)
@Tag("bench")
class LogFollowLagBenchTest {
  static final int ENTRIES = Integer.getInteger("bench.log-entries", 200);
  static final int RATE = Integer.getInteger("bench.log-rate", 20);
  static final String OWNER = "ana@example.com";
  static final Pattern SEQ = Pattern.compile("bench-entry-(\\d+)\"");

  @Inject RunService service;
  @Inject Logs logs;

  @Test
  void log_follow_lag_from_write_to_sse_event() throws Exception {
    BenchProfile.awaitReady();
    Run run =
        service.submit(
            OWNER, RunSpec.of("follow-bench", LocalVmResource.TRAINER_IMAGE), null, null);
    assertThat(run.state()).isEqualTo(RunState.RUNNING);

    AtomicLongArray arrivedAt = new AtomicLongArray(ENTRIES);
    CountDownLatch opened = new CountDownLatch(1);
    CountDownLatch all = new CountDownLatch(ENTRIES);
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://localhost:"
                        + RestAssured.port
                        + "/v1/runs/"
                        + run.id()
                        + "/logs?follow=true"))
            .header("Authorization", "Bearer " + TestTokens.googleIdToken(OWNER).sign())
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    Thread reader =
        new Thread(
            () -> {
              try {
                HttpResponse<Stream<String>> response =
                    http.send(request, HttpResponse.BodyHandlers.ofLines());
                try (Stream<String> lines = response.body()) {
                  lines.forEach(
                      line -> {
                        long now = System.nanoTime();
                        if (line.startsWith("event: open")) {
                          opened.countDown();
                        }
                        Matcher m = SEQ.matcher(line);
                        if (line.startsWith("data: ") && m.find()) {
                          if (arrivedAt.compareAndSet(Integer.parseInt(m.group(1)), 0, now)) {
                            all.countDown();
                          }
                        }
                      });
                }
              } catch (Exception e) {
                System.out.println("follow stream ended: " + e);
              }
            },
            "bench-follow-reader");
    reader.setDaemon(true);
    reader.start();
    assertThat(opened.await(30, TimeUnit.SECONDS)).as("follow stream opened").isTrue();

    long[] writtenAt = new long[ENTRIES];
    long start = System.nanoTime();
    for (int i = 0; i < ENTRIES; i++) {
      long wait = start + i * 1_000_000_000L / RATE - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      writtenAt[i] = System.nanoTime();
      logs.write(
          run.id(),
          List.of(new LogEntry(Instant.now(), Severity.INFO, "bench-entry-" + i, Map.of())));
    }
    boolean complete = all.await(30, TimeUnit.SECONDS);
    service.cancel(run.id(), "bench");
    reader.join(Duration.ofSeconds(10).toMillis());

    long[] lags = new long[ENTRIES];
    int received = 0;
    for (int i = 0; i < ENTRIES; i++) {
      long at = arrivedAt.get(i);
      if (at != 0) {
        lags[received++] = at - writtenAt[i];
      }
    }
    Stats stats = Stats.of(java.util.Arrays.copyOf(lags, received));
    System.out.println();
    System.out.println("=== log follow lag: Logs.write -> SSE data line at the client ===");
    System.out.println(
        stats.line(
            String.format(Locale.ROOT, "%d entries at %d/s (local JSON-lines)", ENTRIES, RATE)));
    System.out.printf(Locale.ROOT, "%-44s received=%d of %d%n", "", received, ENTRIES);
    assertThat(complete).as("every entry arrived").isTrue();
  }
}
