package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.http.ApiError;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Follows a run's logs ({@code GET /v1/runs/{id}/logs?follow=true}, Server-Sent Events) to the
 * run's end: each {@code log} event is a line; a stream that closes without the {@code end} event
 * is resumed from the last event id ({@code Last-Event-ID}), so nothing is missed or repeated.
 */
final class LogFollower {
  /** Consecutive reconnects whose cursor did not move before giving up. */
  static final int MAX_RECONNECTS = 5;

  private LogFollower() {}

  /**
   * Follows until the run ends; returns its final state from the {@code end} event.
   *
   * @param pause between reconnects
   */
  static String follow(
      Api api, String runId, String cursor, Consumer<String> lines, Duration pause) {
    AtomicReference<String> last = new AtomicReference<>(cursor);
    AtomicReference<String> end = new AtomicReference<>();
    int quiet = 0;
    while (true) {
      String before = last.get();
      try {
        api.get(Service.TRAINING_RUNNER, "/v1/runs/" + Api.seg(runId) + "/logs")
            .query("follow", "true")
            .header("Last-Event-ID", last.get())
            .events(
                e -> {
                  if (e.id() != null) {
                    last.set(e.id());
                  }
                  if (e.event().equals("log")) {
                    lines.accept(line(e.data()));
                  } else if (e.event().equals("end")) {
                    end.set(field(e.data(), "state"));
                    return false;
                  }
                  return true;
                });
      } catch (ApiError e) {
        throw e; // 4xx/5xx: resuming would get the same answer
      } catch (CliException e) {
        if (e.exitCode() == Exit.INTERRUPTED) {
          throw e;
        }
        // the connection broke: resume below
      }
      if (end.get() != null) {
        return end.get();
      }
      // Progress is a cursor that moved: a stream replaying the same entries is not progress.
      quiet = java.util.Objects.equals(before, last.get()) ? quiet + 1 : 0;
      if (quiet > MAX_RECONNECTS) {
        throw new CliException(
            Exit.ERROR, "the log stream of " + runId + " keeps closing without its end");
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(Exit.INTERRUPTED, "interrupted", e);
      }
    }
  }

  /** A log event's data as one line: {@code timestamp SEVERITY message}. */
  static String line(String data) {
    try {
      JsonNode n = Json.MAPPER.readTree(data);
      return n.path("timestamp").asText("")
          + " "
          + n.path("severity").asText("")
          + " "
          + n.path("message").asText("");
    } catch (IOException e) {
      return data;
    }
  }

  private static String field(String data, String name) {
    try {
      return Json.MAPPER.readTree(data).path(name).asText("UNKNOWN");
    } catch (IOException e) {
      return "UNKNOWN";
    }
  }
}
