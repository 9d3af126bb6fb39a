package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Cells;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * {@code runs submit --wait}: streams the run's logs and prints its state changes (on stderr) until
 * it ends. Ctrl-C detaches: the run goes on, and the CLI says how to cancel it.
 */
final class RunWatcher {
  static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
  private static final DateTimeFormatter HMS =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private RunWatcher() {}

  /** The message printed when the user detaches (Ctrl-C). */
  static String detached(String runId) {
    return "detached: run " + runId + " continues; mlcp runs cancel " + runId;
  }

  /** Watches {@code runId} to its end; returns the final run. */
  static JsonNode watch(Context ctx, String runId) {
    PrintStream err = ctx.err();
    Api api = ctx.api();
    boolean[] done = {false};
    Thread hook =
        new Thread(
            () -> {
              if (!done[0]) {
                err.println();
                err.println(detached(runId));
                err.flush();
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    Thread logs =
        new Thread(
            () -> {
              try {
                LogFollower.follow(api, runId, null, l -> err.println("  | " + l), ctx.poll());
              } catch (CliException e) {
                err.println("  (logs: " + e.getMessage() + ")");
              }
            },
            "mlcp-logs");
    logs.setDaemon(true);
    logs.start();
    try {
      int shown = 0;
      String vm = null;
      JsonNode run;
      while (true) {
        run = api.get(Service.TRAINING_RUNNER, "/v1/runs/" + Api.seg(runId)).json();
        JsonNode history = run.path("history");
        for (int i = shown; i < history.size(); i++) {
          JsonNode t = history.get(i);
          StringBuilder line = new StringBuilder();
          line.append('[').append(hms(t.path("at"))).append("] ").append(t.path("state").asText());
          if (t.path("attempt").asInt(1) > 1) {
            line.append("  attempt ").append(t.path("attempt").asInt());
          }
          if (t.hasNonNull("detail")) {
            line.append("  ").append(t.path("detail").asText());
          }
          err.println(line);
        }
        shown = Math.max(shown, history.size());
        if (vm == null && run.hasNonNull("instance")) {
          vm = run.path("instance").asText();
          err.println("  vm " + vm + " in " + run.path("zone").asText("?"));
        }
        if (TERMINAL.contains(run.path("state").asText())) {
          break;
        }
        Thread.sleep(ctx.poll().toMillis());
      }
      // The log stream ends with the run; give it a moment to print its last lines.
      logs.join(Math.max(10_000, ctx.poll().multipliedBy(5).toMillis()));
      done[0] = true;
      return run;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(Exit.INTERRUPTED, detached(runId), e);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs: Ctrl-C arrived while finishing
      }
    }
  }

  /** {@code run-x SUCCEEDED exit 0 cost $0.0012 artifacts gs://…}. */
  static String summary(JsonNode run) {
    StringBuilder s = new StringBuilder();
    s.append(run.path("id").asText()).append(' ').append(run.path("state").asText());
    if (run.hasNonNull("exitCode")) {
      s.append("  exit ").append(run.path("exitCode").asInt());
    }
    s.append("  cost ").append(Cells.usd(run.path("costEstimateUsd")));
    s.append("  artifacts ").append(Cells.text(run.path("artifactUri")));
    if (run.hasNonNull("reason")) {
      s.append("  reason: ").append(run.path("reason").asText());
    }
    return s.toString();
  }

  private static String hms(JsonNode at) {
    try {
      return HMS.format(Instant.parse(at.asText()));
    } catch (RuntimeException e) {
      return "--:--:--";
    }
  }
}
