package dev.mlcp.experiments.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.experiments.LocalNotebookResource;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A secret's value never reaches a log line (at any level, exceptions included) nor a state file
 * outside the secret store: every log record of the application (the test JVM runs it; records of
 * the test's own HTTP client, on the test thread, are left out) is captured while a value is
 * created, read, added, refused and echoed in bad requests, then grepped for the value.
 */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalNotebookResource.class)
class SecretNeverLoggedTest {
  private static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();
  private static final String EVE = TestTokens.googleIdToken("eve@example.com").sign();
  private static final String VALUE = "sk-canary-7c1e5d0b9a";
  private static final String SECOND = "sk-canary-2-4f0d";

  private final List<String> lines = new ArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public synchronized void publish(LogRecord record) {
          if (record.getLongThreadID() == clientThread) {
            // The test's own HTTP client (REST Assured's wire log at ALL) sends the values; the
            // application serves on its own threads.
            return;
          }
          String message =
              record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
          StringBuilder line = new StringBuilder(record.getLoggerName() + " " + message);
          if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(' ').append(trace);
          }
          synchronized (lines) {
            lines.add(line.toString());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private Level rootLevel;
  private volatile long clientThread;

  @BeforeEach
  void captureEverything() {
    clientThread = Thread.currentThread().getId();
    Logger root = Logger.getLogger("");
    rootLevel = root.getLevel();
    root.setLevel(Level.ALL);
    capture.setLevel(Level.ALL);
    root.addHandler(capture);
  }

  @AfterEach
  void stopCapturing() {
    Logger root = Logger.getLogger("");
    root.removeHandler(capture);
    root.setLevel(rootLevel);
  }

  @Test
  void no_log_line_and_no_state_file_holds_a_secret_value() throws Exception {
    String name = "canary-" + System.nanoTime();
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", name, "value", VALUE, "readers", List.of("bob@example.com")))
        .post("/v1/secrets")
        .then()
        .statusCode(201);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(200);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(EVE)
        .get("/v1/secrets/" + name + ":access")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("value", SECOND))
        .post("/v1/secrets/" + name + "/versions")
        .then()
        .statusCode(201);
    given()
        .auth()
        .oauth2(EVE)
        .contentType("application/json")
        .body(Map.of("value", SECOND))
        .post("/v1/secrets/" + name + "/versions")
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", name, "value", VALUE))
        .post("/v1/secrets")
        .then()
        .statusCode(409);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body(Map.of("name", "bad name", "value", VALUE))
        .post("/v1/secrets")
        .then()
        .statusCode(400);
    given()
        .auth()
        .oauth2(ANA)
        .contentType("application/json")
        .body("{\"name\": \"x\", \"value\": \"" + VALUE + "\", \"readers\": 7}")
        .post("/v1/secrets")
        .then()
        .statusCode(400);
    given().auth().oauth2(ANA).get("/v1/secrets/" + name + "/accesses").then().statusCode(200);

    List<String> logged;
    synchronized (lines) {
      logged = List.copyOf(lines);
    }
    assertThat(logged).as("log lines were captured").anyMatch(l -> l.contains(name));
    assertThat(logged).noneMatch(l -> l.contains(VALUE) || l.contains(SECOND));
    assertThat(filesHolding(LocalNotebookResource.stateDir()))
        .as("state files holding the value")
        .allMatch(p -> p.toString().contains("/secrets/"));
  }

  private static List<Path> filesHolding(Path dir) throws IOException {
    List<Path> holding = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        try {
          String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
          if (text.contains(VALUE) || text.contains(SECOND)) {
            holding.add(file);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return holding;
  }
}
