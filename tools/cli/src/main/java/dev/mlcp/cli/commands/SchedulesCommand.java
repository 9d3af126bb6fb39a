package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Cells;
import dev.mlcp.cli.output.Column;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mlcp schedules}: retraining schedules on training-runner ({@code /v1/schedules}). */
@Command(
    name = "schedules",
    description = "Retraining schedules (training-runner /v1/schedules).",
    subcommands = {
      SchedulesCommand.ListSchedules.class,
      SchedulesCommand.Get.class,
      SchedulesCommand.Put.class,
      SchedulesCommand.Delete.class,
      SchedulesCommand.Fire.class
    })
public final class SchedulesCommand {
  static final List<Column> COLUMNS =
      List.of(
          Column.of("NAME", "name"),
          Column.of("CRON", "cron"),
          Column.of("TIMEZONE", "timeZone"),
          Column.of("ENABLED", "enabled"),
          Column.of("OWNER", "owner"),
          Column.of("RUN", "template.name"),
          Column.of("UPDATED", n -> Cells.time(n.path("updatedAt"))));

  static String path(String name) {
    return "/v1/schedules/" + Api.seg(name);
  }

  /** {@code GET /v1/schedules}. */
  @Command(
      name = "list",
      description = {
        "List schedules (GET /v1/schedules): yours, or all for admins.",
        "Example: mlcp schedules list"
      })
  static final class ListSchedules extends Verb {
    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .list(ctx.api().get(Service.TRAINING_RUNNER, "/v1/schedules").json(), null, COLUMNS);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/schedules/{name}}. */
  @Command(
      name = "get",
      description = {
        "A schedule (GET /v1/schedules/{name}).",
        "Example: mlcp schedules get nightly"
      })
  static final class Get extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Context ctx) {
      ctx.printer().object(ctx.api().get(Service.TRAINING_RUNNER, path(name)).json());
      return Exit.OK;
    }
  }

  /** {@code PUT /v1/schedules/{name}}. */
  @Command(
      name = "put",
      customSynopsis =
          "mlcp schedules put NAME --cron CRON [--time-zone TZ] [--disabled] [run flags] [-- ARG...]",
      description = {
        "Create or replace a schedule (PUT /v1/schedules/{name}); you become its owner.",
        "The run template takes the flags of 'runs submit' (or -f template.json).",
        "Example: mlcp schedules put nightly --cron '0 3 * * *' --time-zone Europe/Amsterdam \\",
        "           --name nightly --image IMAGE -- --epochs 100"
      })
  static final class Put extends Verb {
    @Option(names = "--cron", required = true, description = "five-field unix cron")
    String cron;

    @Option(names = "--time-zone", description = "IANA zone (default UTC)")
    String timeZone;

    @Option(names = "--disabled", description = "stored, but ticks do not fire it")
    boolean disabled;

    @Mixin RunSpecOptions template;

    @Override
    protected int run(Context ctx) {
      // The schedule's name is the first positional; the rest are the template's container args.
      if (template.args.isEmpty()) {
        throw new dev.mlcp.cli.CliException(
            Exit.USAGE, "name the schedule: mlcp schedules put NAME --cron ...");
      }
      String schedule = template.args.remove(0);
      ObjectNode body = Json.object();
      body.put("cron", cron);
      if (timeZone != null) {
        body.put("timeZone", timeZone);
      }
      body.set("template", template.spec(System.in));
      body.put("enabled", !disabled);
      ctx.printer()
          .object(ctx.api().put(Service.TRAINING_RUNNER, path(schedule)).body(body).json());
      return Exit.OK;
    }
  }

  /** {@code DELETE /v1/schedules/{name}}. */
  @Command(
      name = "delete",
      description = {
        "Delete a schedule (DELETE /v1/schedules/{name}).",
        "Example: mlcp schedules delete nightly"
      })
  static final class Delete extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Context ctx) {
      ctx.api().delete(Service.TRAINING_RUNNER, path(name)).json();
      ctx.err().println("deleted schedule " + name);
      return Exit.OK;
    }
  }

  /** {@code POST /v1/schedules/{name}:fire}. */
  @Command(
      name = "fire",
      description = {
        "Fire a schedule once now, or for --tick (POST /v1/schedules/{name}:fire); prints the run.",
        "Example: mlcp schedules fire nightly"
      })
  static final class Fire extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--tick", description = "the tick time (RFC 3339 UTC), default now")
    String tick;

    @Override
    protected int run(Context ctx) {
      JsonNode run =
          ctx.api().post(Service.TRAINING_RUNNER, path(name) + ":fire").query("tick", tick).json();
      ctx.printer().row(run, RunsCommand.columns(ctx.clock().instant()));
      return Exit.OK;
    }
  }
}
