package dev.mlcp.training.logs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Severity;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import dev.mlcp.training.LocalVmResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The follow API over real connections: resuming with {@code Last-Event-ID} or {@code cursor}
 * misses and repeats nothing, the per-user cap answers 429, bad cursors 400. Entries are written
 * into the service's local log store from outside (as the local log shipper does), so this also
 * runs against the packaged application ({@link RunLogsApiIT}).
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalVmResource.class)
public class RunLogsApiTest {
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  static final ObjectMapper JSON = new ObjectMapper();

  /** One SSE event. */
  record Event(String name, String id, String data) {}

  /** The service's log store, seen from outside. */
  static JsonLinesLogs logs() {
    return new JsonLinesLogs(LocalVmResource.stateDir().resolve("logs"));
  }

  static String token(String email) {
    return TestTokens.googleIdToken(email).sign();
  }

  /** A run that trains for long, so that it ends only when cancelled. */
  static String submitLongRun(String email) {
    return given()
        .auth()
        .oauth2(token(email))
        .contentType("application/json")
        .body(
            Map.of(
                "name",
                "logs",
                "image",
                LocalVmResource.TRAINER_IMAGE,
                "args",
                List.of("--epochs", "100000")))
        .post("/v1/runs")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  static void cancel(String email, String run) {
    given().auth().oauth2(token(email)).delete("/v1/runs/" + run).then().statusCode(200);
  }

  static void write(String run, String prefix, int n) {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      entries.add(new LogEntry(Instant.now(), Severity.INFO, prefix + "-" + i, Map.of()));
    }
    logs().write(run, entries);
  }

  /** Opens a follow; the caller reads (and closes) the stream of lines. */
  static HttpResponse<Stream<String>> follow(String email, String run, String query, String last)
      throws Exception {
    return follow(email, run, query, last, "text/event-stream");
  }

  static HttpResponse<Stream<String>> follow(
      String email, String run, String query, String last, String accept) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://localhost:"
                        + RestAssured.port
                        + "/v1/runs/"
                        + run
                        + "/logs?follow=true"
                        + query))
            .header("Authorization", "Bearer " + token(email))
            .header("Accept", accept)
            .timeout(Duration.ofMinutes(2));
    if (last != null) {
      request.header("Last-Event-ID", last);
    }
    return HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofLines());
  }

  /**
   * Reads events until the {@code logEvents}-th log event, an end event or the end of the stream,
   * then closes the connection.
   */
  static List<Event> events(HttpResponse<Stream<String>> response, int logEvents) {
    List<Event> events = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      String name = null;
      String id = null;
      String data = null;
      int logs = 0;
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && name != null) {
          events.add(new Event(name, id, data));
          if (name.equals("log") && ++logs == logEvents) {
            break;
          }
          if (name.equals("end")) {
            break;
          }
          name = null;
          id = null;
          data = null;
        }
      }
    }
    return events;
  }

  static List<Event> logEvents(List<Event> events) {
    return events.stream().filter(e -> e.name().equals("log")).toList();
  }

  /** Every entry of the run up to and including the one whose cursor is {@code end}. */
  static List<Map.Entry<String, String>> storedUpTo(String run, String end) {
    List<Map.Entry<String, String>> all = new ArrayList<>();
    String cursor = null;
    while (true) {
      LogBatch batch = logs().read(run, cursor, 100);
      for (int i = 0; i < batch.entries().size(); i++) {
        all.add(Map.entry(batch.cursorAfter(i), batch.entries().get(i).message()));
        if (batch.cursorAfter(i).equals(end)) {
          return all;
        }
      }
      if (batch.entries().isEmpty()) {
        throw new AssertionError("cursor " + end + " is not in the log of " + run);
      }
      cursor = batch.cursor();
    }
  }

  static List<Map.Entry<String, String>> pairs(List<Event> logEvents) throws Exception {
    List<Map.Entry<String, String>> pairs = new ArrayList<>();
    for (Event e : logEvents) {
      pairs.add(Map.entry(e.id(), JSON.readTree(e.data()).path("message").asText()));
    }
    return pairs;
  }

  @Test
  void resuming_with_last_event_id_or_cursor_misses_nothing_and_repeats_nothing() throws Exception {
    String run = submitLongRun("carol@example.com");
    write(run, "mine", 30);

    List<Event> first = events(follow("carol@example.com", run, "", null), 10);
    String last = first.get(first.size() - 1).id();
    write(run, "later", 5);
    cancel("carol@example.com", run);
    List<Event> resumed = events(follow("carol@example.com", run, "", last), -1);
    String fifth = logEvents(first).get(4).id();
    List<Event> fromCursor = events(follow("carol@example.com", run, "&cursor=" + fifth, null), -1);

    assertThat(first.get(0).name()).isEqualTo("open");
    Event end = resumed.get(resumed.size() - 1);
    assertThat(end.name()).isEqualTo("end");
    assertThat(end.data()).contains("\"state\":\"CANCELLED\"");
    List<Map.Entry<String, String>> stored = storedUpTo(run, end.id());
    List<Map.Entry<String, String>> streamed = new ArrayList<>(pairs(logEvents(first)));
    streamed.addAll(pairs(logEvents(resumed)));
    assertThat(streamed).containsExactlyElementsOf(stored);
    assertThat(streamed).extracting(Map.Entry::getValue).contains("mine-29", "later-4");
    assertThat(pairs(logEvents(fromCursor)))
        .containsExactlyElementsOf(stored.subList(5, stored.size()));
  }

  @Test
  void a_user_past_the_follow_cap_gets_429_problem_json_naming_the_limit() throws Exception {
    String dave = "dave@example.com";
    String run = submitLongRun(dave);
    List<HttpResponse<Stream<String>>> open = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        HttpResponse<Stream<String>> response = follow(dave, run, "", null);
        assertThat(response.statusCode()).isEqualTo(200);
        open.add(response);
      }

      given()
          .auth()
          .oauth2(token(dave))
          .accept("text/event-stream")
          .get("/v1/runs/" + run + "/logs?follow=true")
          .then()
          .statusCode(429)
          .contentType(containsString("application/problem+json"))
          .body("status", equalTo(429))
          .body("detail", containsString("has 20 log follows open"))
          .body("detail", containsString("the limit is 20"))
          .body("detail", containsString("mlcp.training.logs.max-followers-per-user"));
      given().auth().oauth2(token(dave)).get("/v1/runs/" + run + "/logs").then().statusCode(200);
    } finally {
      open.forEach(r -> r.body().close());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int status;
    do {
      Thread.sleep(100);
      HttpResponse<Stream<String>> again = follow(dave, run, "", null);
      status = again.statusCode();
      again.body().close();
    } while (status == 429 && System.nanoTime() < deadline);
    assertThat(status).as("a follow after the others closed").isEqualTo(200);
    cancel(dave, run);
  }

  @Test
  void follow_chooses_text_or_events_whatever_the_client_accepts() throws Exception {
    String frank = "frank@example.com";
    String run = submitLongRun(frank);
    try {
      write(run, "plain", 3);
      String text =
          given()
              .auth()
              .oauth2(token(frank))
              .accept("text/event-stream")
              .get("/v1/runs/" + run + "/logs")
              .then()
              .statusCode(200)
              .contentType(containsString("text/plain"))
              .extract()
              .asString();
      assertThat(text).contains(" INFO plain-0\n", " INFO plain-2\n").doesNotContain("data:");

      HttpResponse<Stream<String>> events = follow(frank, run, "", null, "text/plain");
      assertThat(events.statusCode()).isEqualTo(200);
      assertThat(events.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
      List<Event> first = events(events, 3);
      assertThat(first.get(0)).isEqualTo(new Event("open", null, "{\"runId\":\"" + run + "\"}"));
      LogBatch stored = logs().read(run, null, 3);
      assertThat(pairs(logEvents(first)))
          .containsExactly(
              Map.entry(stored.cursorAfter(0), stored.entries().get(0).message()),
              Map.entry(stored.cursorAfter(1), stored.entries().get(1).message()),
              Map.entry(stored.cursorAfter(2), stored.entries().get(2).message()));
    } finally {
      cancel(frank, run);
    }
  }

  @Test
  void a_cursor_that_is_not_one_is_400_naming_where_it_came_from() {
    String run = submitLongRun("erin@example.com");
    try {
      given()
          .auth()
          .oauth2(token("erin@example.com"))
          .get("/v1/runs/" + run + "/logs?follow=true&cursor=not-a-cursor")
          .then()
          .statusCode(400)
          .contentType(containsString("application/problem+json"))
          .body("errors.field", hasItem("cursor"));
      given()
          .auth()
          .oauth2(token("erin@example.com"))
          .header("Last-Event-ID", "-3")
          .get("/v1/runs/" + run + "/logs?follow=true")
          .then()
          .statusCode(400)
          .body("errors.field", hasItem("Last-Event-ID"));
    } finally {
      cancel("erin@example.com", run);
    }
  }
}
