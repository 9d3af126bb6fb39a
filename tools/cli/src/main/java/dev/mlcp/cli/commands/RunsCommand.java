package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Cells;
import dev.mlcp.cli.output.Column;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mlcp runs}: training runs on training-runner ({@code /v1/runs}). */
@Command(
    name = "runs",
    description = "Training runs (training-runner /v1/runs).",
    subcommands = {
      RunsCommand.Submit.class,
      RunsCommand.ListRuns.class,
      RunsCommand.Get.class,
      RunsCommand.Logs.class,
      RunsCommand.Cancel.class
    })
public final class RunsCommand {

  static List<Column> columns(Instant now) {
    return List.of(
        Column.of("ID", "id"),
        Column.of("NAME", "name"),
        Column.of("STATE", "state"),
        Column.of("OWNER", "owner"),
        Column.of("CREATED", n -> Cells.time(n.path("createdAt"))),
        Column.of("DURATION", n -> Cells.duration(n.path("startedAt"), n.path("finishedAt"), now)),
        Column.of("COST", n -> Cells.usd(n.path("costEstimateUsd"))));
  }

  static String path(String id) {
    return "/v1/runs/" + Api.seg(id);
  }

  /** {@code POST /v1/runs}. */
  @Command(
      name = "submit",
      description = {
        "Submit a training run (POST /v1/runs). Returns at once with the run; with --wait, streams"
            + " its logs and state changes to stderr and ends with state, cost and artifact URI"
            + " (exit 6 unless SUCCEEDED). Ctrl-C while waiting detaches: the run goes on.",
        "The runs API has no 'uploading' or 'VM deleted' state (both happen between RUNNING and"
            + " the end): --wait shows the API's states and the VM's name.",
        "Example: mlcp runs submit --name sample-trainer --image IMAGE --wait -- --epochs 100"
      })
  static final class Submit extends Verb {
    @Mixin RunSpecOptions spec;

    @Option(
        names = "--idempotency-key",
        description = "the same key returns the same run (default: a new key per call)")
    String idempotencyKey;

    @ArgGroup(exclusive = true)
    WaitMode waitMode = new WaitMode();

    static final class WaitMode {
      @Option(names = "--wait", description = "wait for the run's end, streaming its logs")
      boolean await;

      @Option(names = "--async", description = "return at once (the default)")
      boolean async;
    }

    @Override
    protected int run(Context ctx) {
      JsonNode run =
          ctx.api()
              .post(Service.TRAINING_RUNNER, "/v1/runs")
              .header(
                  "Idempotency-Key",
                  idempotencyKey != null ? idempotencyKey : "cli-" + UUID.randomUUID())
              .body(spec.spec(System.in))
              .json();
      String id = run.path("id").asText();
      if (!waitMode.await) {
        ctx.printer().row(run, columns(ctx.clock().instant()));
        return Exit.OK;
      }
      ctx.err().println("run " + id + " submitted (" + run.path("state").asText() + ")");
      JsonNode last = RunWatcher.watch(ctx, id);
      if (!ctx.printer().structured(last)) {
        ctx.out().println(RunWatcher.summary(last));
      }
      return "SUCCEEDED".equals(last.path("state").asText()) ? Exit.OK : Exit.UNSUCCESSFUL;
    }
  }

  /** {@code GET /v1/runs}. */
  @Command(
      name = "list",
      description = {
        "List runs, newest first (GET /v1/runs); yours, or anyone's for admins.",
        "Example: mlcp runs list --state SUCCEEDED --page-size 20"
      })
  static final class ListRuns extends Verb {
    @Option(
        names = "--state",
        description = "QUEUED, PROVISIONING, RUNNING, SUCCEEDED, FAILED, ...")
    String state;

    @Option(names = "--owner", description = "an owner's email (admins)")
    String owner;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "runs with this label")
    String label;

    @Mixin PageOptions page;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          page.apply(
                  ctx.api()
                      .get(Service.TRAINING_RUNNER, "/v1/runs")
                      .query("state", state)
                      .query("owner", owner)
                      .query("label", label))
              .json();
      ctx.printer().list(answer, "runs", columns(ctx.clock().instant()));
      return Exit.OK;
    }
  }

  /** {@code GET /v1/runs/{id}}. */
  @Command(
      name = "get",
      description = {
        "A run: state, VM, exit code, artifacts, cost, history (GET /v1/runs/{id}).",
        "Example: mlcp runs get run-0123"
      })
  static final class Get extends Verb {
    @Parameters(paramLabel = "RUN_ID")
    String id;

    @Override
    protected int run(Context ctx) {
      ctx.printer().object(ctx.api().get(Service.TRAINING_RUNNER, path(id)).json());
      return Exit.OK;
    }
  }

  /** {@code GET /v1/runs/{id}/logs[?follow=true]}. */
  @Command(
      name = "logs",
      description = {
        "A run's container logs (GET /v1/runs/{id}/logs); -f follows them until the run ends.",
        "Example: mlcp runs logs -f run-0123"
      })
  static final class Logs extends Verb {
    @Parameters(paramLabel = "RUN_ID")
    String id;

    @Option(
        names = {"-f", "--follow"},
        description = "follow until the run ends")
    boolean follow;

    @Option(names = "--cursor", description = "start after this cursor (an event id of a follow)")
    String cursor;

    @Override
    protected int run(Context ctx) {
      if (!follow) {
        ctx.out()
            .print(
                ctx.api()
                    .get(Service.TRAINING_RUNNER, path(id) + "/logs")
                    .query("cursor", cursor)
                    .text());
        ctx.out().flush();
        return Exit.OK;
      }
      String state = LogFollower.follow(ctx.api(), id, cursor, ctx.out()::println, ctx.poll());
      ctx.err().println("(run " + id + " ended: " + state + ")");
      return Exit.OK;
    }
  }

  /** {@code DELETE /v1/runs/{id}}. */
  @Command(
      name = "cancel",
      description = {
        "Cancel a run: its VM is deleted, it ends CANCELLED (DELETE /v1/runs/{id}).",
        "Example: mlcp runs cancel run-0123"
      })
  static final class Cancel extends Verb {
    @Parameters(paramLabel = "RUN_ID")
    String id;

    @Override
    protected int run(Context ctx) {
      JsonNode run = ctx.api().delete(Service.TRAINING_RUNNER, path(id)).json();
      ctx.printer().row(run, columns(ctx.clock().instant()));
      return Exit.OK;
    }
  }
}
