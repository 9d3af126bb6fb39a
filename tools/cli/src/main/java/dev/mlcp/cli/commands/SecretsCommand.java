package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mlcp secrets}: Secret Manager through experiment-vm ({@code /v1/secrets}). */
@Command(
    name = "secrets",
    description =
        "Secrets (experiment-vm /v1/secrets): values for the owner, readers and admins; every access audited.",
    subcommands = {
      SecretsCommand.ListSecrets.class,
      SecretsCommand.Create.class,
      SecretsCommand.AddVersion.class,
      SecretsCommand.Access.class
    })
public final class SecretsCommand {
  static final List<Column> COLUMNS =
      List.of(
          Column.of("NAME", "name"),
          Column.of("OWNER", "owner"),
          Column.of("READERS", "readers"),
          Column.of("LABELS", "labels"),
          Column.of("CREATED", n -> Cells.time(n.path("created"))));

  static String path(String name) {
    return "/v1/secrets/" + Api.seg(name);
  }

  /** Where a value comes from: a file, stdin, or (visible in shell history) the command line. */
  static final class Value {
    @Option(
        names = "--value-file",
        paramLabel = "FILE",
        description = "read the value from FILE (- for stdin)")
    String file;

    @Option(
        names = "--value",
        description = "the value itself (stays in your shell history; prefer --value-file)")
    String value;

    String read() {
      return file != null ? Json.value(file, System.in) : value;
    }
  }

  /** {@code GET /v1/secrets}. */
  @Command(
      name = "list",
      description = {
        "List secrets: names, owner, readers, labels; never values (GET /v1/secrets).",
        "Example: mlcp secrets list"
      })
  static final class ListSecrets extends Verb {
    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .list(ctx.api().get(Service.EXPERIMENT_VM, "/v1/secrets").json(), "secrets", COLUMNS);
      return Exit.OK;
    }
  }

  /** {@code POST /v1/secrets}. */
  @Command(
      name = "create",
      description = {
        "Create a secret with its first value (POST /v1/secrets).",
        "Example: printf %%s \"$KEY\" | mlcp secrets create openai-key --value-file - --reader bob@example.com"
      })
  static final class Create extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Value value;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "label (repeat)")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(
        names = "--reader",
        paramLabel = "EMAIL",
        description = "who may read it besides you and admins (repeat)")
    List<String> readers = new ArrayList<>();

    @Override
    protected int run(Context ctx) {
      ObjectNode body = Json.object().put("name", name).put("value", value.read());
      if (!labels.isEmpty()) {
        ObjectNode l = body.putObject("labels");
        labels.forEach(l::put);
      }
      if (!readers.isEmpty()) {
        ArrayNode r = body.putArray("readers");
        readers.forEach(r::add);
      }
      JsonNode answer = ctx.api().post(Service.EXPERIMENT_VM, "/v1/secrets").body(body).json();
      ctx.printer()
          .text(
              "created "
                  + answer.path("name").asText(name)
                  + " version "
                  + answer.path("version").asText("1"),
              answer);
      return Exit.OK;
    }
  }

  /** {@code POST /v1/secrets/{name}/versions}. */
  @Command(
      name = "add-version",
      description = {
        "Add a version, which becomes latest (POST /v1/secrets/{name}/versions).",
        "Example: mlcp secrets add-version openai-key --value-file new-key.txt"
      })
  static final class AddVersion extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Value value;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          ctx.api()
              .post(Service.EXPERIMENT_VM, path(name) + "/versions")
              .body(Json.object().put("value", value.read()))
              .json();
      ctx.printer().text("added " + name + " version " + answer.path("version").asText(), answer);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/secrets/{name}:access}. */
  @Command(
      name = "access",
      description = {
        "Print a secret's value (GET /v1/secrets/{name}:access); audited. Table format prints the value alone.",
        "Example: mlcp secrets access openai-key --version latest"
      })
  static final class Access extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--version", description = "latest (default) or a number")
    String version;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          ctx.api()
              .get(Service.EXPERIMENT_VM, path(name) + ":access")
              .query("version", version)
              .json();
      if (!answer.hasNonNull("value")) {
        throw new CliException(Exit.ERROR, "experiment-vm answered without a value");
      }
      ctx.printer().text(answer.path("value").asText(), answer);
      return Exit.OK;
    }
  }
}
