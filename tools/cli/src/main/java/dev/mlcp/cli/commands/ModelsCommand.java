package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mlcp models}: the model registry on artifact-writer ({@code /v1/models}). */
@Command(
    name = "models",
    description = "The model registry (artifact-writer /v1/models).",
    subcommands = {
      ModelsCommand.ListModels.class,
      ModelsCommand.Versions.class,
      ModelsCommand.Get.class,
      ModelsCommand.Promote.class,
      ModelsCommand.Evaluate.class,
      ModelsCommand.Lineage.class
    })
public final class ModelsCommand {
  static final List<Column> MODELS =
      List.of(
          Column.of("NAME", "name"),
          Column.of("OWNER", "owner"),
          Column.of("LATEST", "latestVersion"),
          Column.of("ALIASES", n -> aliases(n.path("aliases"))),
          Column.of("UPDATED", n -> Cells.time(n.path("updatedAt"))));

  static final List<Column> VERSIONS =
      List.of(
          Column.of("VERSION", "version"),
          Column.of("STATE", "state"),
          Column.of("GATE", "gate.outcome"),
          Column.of("RUN", "runId"),
          Column.of("METRICS", "metrics"),
          Column.of("REGISTERED", n -> Cells.time(n.path("registeredAt"))));

  static final List<Column> EVALUATIONS =
      List.of(
          Column.of("ID", "id"),
          Column.of("VERSION", "version"),
          Column.of("EVALUATOR", "evaluator"),
          Column.of("STATE", "state"),
          Column.of("RUN", "runId"));

  static String aliases(JsonNode list) {
    List<String> parts = new ArrayList<>();
    for (JsonNode a : list) {
      parts.add(a.path("name").asText() + "=" + a.path("version").asText());
    }
    return parts.isEmpty() ? "-" : String.join(",", parts);
  }

  static String path(String model) {
    return "/v1/models/" + Api.seg(model);
  }

  static String version(String v) {
    return Api.seg(v.startsWith("v") ? v.substring(1) : v);
  }

  /** {@code GET /v1/models}. */
  @Command(
      name = "list",
      description = {"List models, newest first (GET /v1/models).", "Example: mlcp models list"})
  static final class ListModels extends Verb {
    @Option(names = "--owner", description = "an owner's email")
    String owner;

    @Mixin PageOptions page;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          page.apply(ctx.api().get(Service.ARTIFACT_WRITER, "/v1/models").query("owner", owner))
              .json();
      ctx.printer().list(answer, "models", MODELS);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/models/{m}/versions}. */
  @Command(
      name = "versions",
      description = {
        "A model's versions, newest first (GET /v1/models/{m}/versions).",
        "Example: mlcp models versions demo-churn"
      })
  static final class Versions extends Verb {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Mixin PageOptions page;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          page.apply(ctx.api().get(Service.ARTIFACT_WRITER, path(model) + "/versions")).json();
      ctx.printer().list(answer, "versions", VERSIONS);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/models/{m}} or {@code …/versions/{n}}. */
  @Command(
      name = "get",
      description = {
        "A model (GET /v1/models/{m}), or with VERSION that version's manifest, checksums and gate "
            + "(GET /v1/models/{m}/versions/{n}).",
        "Example: mlcp models get demo-churn v3"
      })
  static final class Get extends Verb {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION", description = "3 or v3")
    String version;

    @Override
    protected int run(Context ctx) {
      String p = version == null ? path(model) : path(model) + "/versions/" + version(version);
      ctx.printer().object(ctx.api().get(Service.ARTIFACT_WRITER, p).json());
      return Exit.OK;
    }
  }

  /** {@code POST /v1/models/{m}/aliases/{a}}. */
  @Command(
      name = "promote",
      description = {
        "Point an alias at a version: promote, or roll back (POST /v1/models/{m}/aliases/{a}).",
        "A protected alias moves only to a version that passed the gate, or by an admin with --reason.",
        "Example: mlcp models promote demo-churn v3 --alias production --reason 'INC-42'"
      })
  static final class Promote extends Verb {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "VERSION")
    String version;

    @Option(names = "--alias", required = true, description = "the alias, e.g. production")
    String alias;

    @Option(
        names = "--reason",
        description = "why (required for an admin's move of a protected alias)")
    String reason;

    @Override
    protected int run(Context ctx) {
      ObjectNode body = Json.object().put("version", version);
      if (reason != null) {
        body.put("reason", reason);
      }
      JsonNode moved =
          ctx.api()
              .post(Service.ARTIFACT_WRITER, path(model) + "/aliases/" + Api.seg(alias))
              .body(body)
              .json();
      if (!ctx.printer().structured(moved)) {
        ctx.out()
            .println(
                model
                    + "@"
                    + moved.path("name").asText(alias)
                    + " -> "
                    + moved.path("version").asText());
      }
      return Exit.OK;
    }
  }

  /** {@code POST …/versions/{n}:evaluate} or {@code POST /v1/models/{m}:evaluate}. */
  @Command(
      name = "evaluate",
      description = {
        "Evaluate versions: one run per evaluator (POST /v1/models/{m}/versions/{n}:evaluate, or "
            + "POST /v1/models/{m}:evaluate for several versions). Prints the evaluations started.",
        "Example: mlcp models evaluate demo-churn v3 --evaluator holdout"
      })
  static final class Evaluate extends Verb {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "VERSION")
    List<String> versions;

    @Option(
        names = "--evaluator",
        description = "only these evaluators (repeat; default all of the model's)")
    List<String> evaluators = new ArrayList<>();

    @Override
    protected int run(Context ctx) {
      ObjectNode body = Json.object();
      if (!evaluators.isEmpty()) {
        ArrayNode e = body.putArray("evaluators");
        evaluators.forEach(e::add);
      }
      JsonNode answer;
      if (versions.size() == 1) {
        answer =
            ctx.api()
                .post(
                    Service.ARTIFACT_WRITER,
                    path(model) + "/versions/" + version(versions.get(0)) + ":evaluate")
                .body(body)
                .json();
      } else {
        ArrayNode v = body.putArray("versions");
        versions.forEach(v::add);
        answer =
            ctx.api().post(Service.ARTIFACT_WRITER, path(model) + ":evaluate").body(body).json();
      }
      ctx.printer().list(answer, "evaluations", EVALUATIONS);
      return Exit.OK;
    }
  }

  /** {@code GET …/versions/{n}/lineage}. */
  @Command(
      name = "lineage",
      description = {
        "A version's lineage: run, image digest, inputs, parents, evaluations, deployments",
        "(GET /v1/models/{m}/versions/{n}/lineage).",
        "Example: mlcp models lineage demo-churn v3"
      })
  static final class Lineage extends Verb {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "VERSION")
    String version;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .object(
              ctx.api()
                  .get(
                      Service.ARTIFACT_WRITER,
                      path(model) + "/versions/" + version(version) + "/lineage")
                  .json());
      return Exit.OK;
    }
  }
}
