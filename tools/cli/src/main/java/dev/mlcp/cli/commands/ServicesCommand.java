package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Cells;
import dev.mlcp.cli.output.Column;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code mlcp services}: serving services on serving-deployer ({@code /v1/services}). */
@Command(
    name = "services",
    description =
        "Serving services, revisions, traffic and rollouts (serving-deployer /v1/services).",
    subcommands = {
      ServicesCommand.ListServices.class,
      ServicesCommand.Get.class,
      ServicesCommand.Traffic.class,
      ServicesCommand.Rollback.class,
      ServicesCommand.Rollouts.class,
      ServicesCommand.Approve.class,
      ServicesCommand.Abort.class
    })
public final class ServicesCommand {
  static final List<Column> SERVICES =
      List.of(
          Column.of("NAME", "name"),
          Column.of("TARGET", "target"),
          Column.of("URL", "url"),
          Column.of("TRAFFIC", "traffic"),
          Column.of("ROLLOUT", "activeRollout"),
          Column.of("UPDATED", n -> Cells.time(n.path("updatedAt"))));

  static final List<Column> REVISIONS =
      List.of(
          Column.of("REVISION", "revision"),
          Column.of("MODEL", n -> n.path("model").asText() + "/" + n.path("version").asText()),
          Column.of("STATUS", "status"),
          Column.of("TRAFFIC", n -> n.path("trafficPercent").asInt() + " %"),
          Column.of(
              "HEALTH",
              n ->
                  n.path("health").isObject()
                      ? n.path("health").path("healthy").asInt()
                          + "/"
                          + n.path("health").path("instances").asInt()
                      : "-"),
          Column.of("ROLLOUT", "rolloutId"));

  static final List<Column> ROLLOUTS =
      List.of(
          Column.of("ID", "id"),
          Column.of("STATE", "state"),
          Column.of("REVISION", "revision"),
          Column.of("MODEL", n -> n.path("model").asText() + "/" + n.path("version").asText()),
          Column.of("STRATEGY", "strategy"),
          Column.of("STEPS", "steps"),
          Column.of("TRAFFIC", n -> n.path("trafficPercent").asInt() + " %"),
          Column.of("CREATED", n -> Cells.time(n.path("createdAt"))));

  static String path(String service) {
    return "/v1/services/" + Api.seg(service);
  }

  /** {@code GET /v1/services}. */
  @Command(
      name = "list",
      description = {
        "List serving services, newest first (GET /v1/services).",
        "Example: mlcp services list"
      })
  static final class ListServices extends Verb {
    @Mixin PageOptions page;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .list(
              page.apply(ctx.api().get(Service.SERVING_DEPLOYER, "/v1/services")).json(),
              "services",
              SERVICES);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/services/{s}}. */
  @Command(
      name = "get",
      description = {
        "A service: URL, live traffic split, revisions with health (GET /v1/services/{s}).",
        "Example: mlcp services get churn"
      })
  static final class Get extends Verb {
    @Parameters(paramLabel = "SERVICE")
    String service;

    @Override
    protected int run(Context ctx) {
      JsonNode s = ctx.api().get(Service.SERVING_DEPLOYER, path(service)).json();
      if (!ctx.printer().structured(s)) {
        ctx.out()
            .println(
                s.path("name").asText()
                    + "  "
                    + s.path("target").asText()
                    + "  "
                    + Cells.text(s.path("url")));
        ctx.out()
            .println(
                "traffic "
                    + Cells.text(s.path("traffic"))
                    + "  known good "
                    + Cells.text(s.path("knownGood"))
                    + "  active rollout "
                    + Cells.text(s.path("activeRollout")));
        ctx.out().println();
        ctx.printer().list(s, "revisions", REVISIONS);
      }
      return Exit.OK;
    }
  }

  /** {@code PUT /v1/services/{s}/traffic}. */
  @Command(
      name = "traffic",
      description = {
        "Set the traffic split by hand (PUT /v1/services/{s}/traffic); CI/CD identity and admins.",
        "Example: mlcp --as admin@mlcp.local services traffic churn r1=90 r2=10"
      })
  static final class Traffic extends Verb {
    @Parameters(index = "0", paramLabel = "SERVICE")
    String service;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "REVISION=PERCENT")
    List<String> split = new ArrayList<>();

    @Override
    protected int run(Context ctx) {
      ObjectNode body = Json.object();
      ObjectNode percents = body.putObject("percents");
      for (String s : split) {
        String[] kv = s.split("=", 2);
        try {
          percents.put(kv[0], Integer.parseInt(kv[1]));
        } catch (RuntimeException e) {
          throw new CliException(Exit.USAGE, "a split entry is REVISION=PERCENT, not " + s);
        }
      }
      JsonNode answer =
          ctx.api().put(Service.SERVING_DEPLOYER, path(service) + "/traffic").body(body).json();
      if (!ctx.printer().structured(answer)) {
        ctx.printer().list(answer, "revisions", REVISIONS);
      }
      return Exit.OK;
    }
  }

  /** {@code POST /v1/services/{s}:rollback}. */
  @Command(
      name = "rollback",
      description = {
        "Roll back: abort the rollout in progress, or send all traffic to the previous ready revision",
        "(POST /v1/services/{s}:rollback); CI/CD identity and admins.",
        "Example: mlcp --as admin@mlcp.local services rollback churn"
      })
  static final class Rollback extends Verb {
    @Parameters(paramLabel = "SERVICE")
    String service;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          ctx.api().post(Service.SERVING_DEPLOYER, path(service) + ":rollback").json();
      if (!ctx.printer().structured(answer)) {
        ctx.out().println("traffic " + Cells.text(answer.path("traffic")));
      }
      return Exit.OK;
    }
  }

  /** {@code GET /v1/services/{s}/rollouts}. */
  @Command(
      name = "rollouts",
      description = {
        "A service's rollouts, newest first (GET /v1/services/{s}/rollouts).",
        "Example: mlcp services rollouts churn"
      })
  static final class Rollouts extends Verb {
    @Parameters(paramLabel = "SERVICE")
    String service;

    @Mixin PageOptions page;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .list(
              page.apply(ctx.api().get(Service.SERVING_DEPLOYER, path(service) + "/rollouts"))
                  .json(),
              "rollouts",
              ROLLOUTS);
      return Exit.OK;
    }
  }

  /** {@code POST …/rollouts/{r}:approve}. */
  @Command(
      name = "approve",
      description = {
        "Approve a rollout's step to 100 %% (POST /v1/services/{s}/rollouts/{r}:approve).",
        "Example: mlcp --as admin@mlcp.local services approve churn dep-0123"
      })
  static final class Approve extends Verb {
    @Parameters(index = "0", paramLabel = "SERVICE")
    String service;

    @Parameters(index = "1", paramLabel = "ROLLOUT")
    String rollout;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .row(
              ctx.api()
                  .post(
                      Service.SERVING_DEPLOYER,
                      path(service) + "/rollouts/" + Api.seg(rollout) + ":approve")
                  .json(),
              ROLLOUTS);
      return Exit.OK;
    }
  }

  /** {@code POST …/rollouts/{r}:abort}. */
  @Command(
      name = "abort",
      description = {
        "Abort a rollout: traffic goes back to the known-good split (POST /v1/services/{s}/rollouts/{r}:abort).",
        "Example: mlcp --as admin@mlcp.local services abort churn dep-0123"
      })
  static final class Abort extends Verb {
    @Parameters(index = "0", paramLabel = "SERVICE")
    String service;

    @Parameters(index = "1", paramLabel = "ROLLOUT")
    String rollout;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .row(
              ctx.api()
                  .post(
                      Service.SERVING_DEPLOYER,
                      path(service) + "/rollouts/" + Api.seg(rollout) + ":abort")
                  .json(),
              ROLLOUTS);
      return Exit.OK;
    }
  }
}
