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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mlcp data}: BigQuery and Spanner browsing on experiment-vm. A BigQuery dataset is named
 * {@code DATASET} and its tables {@code DATASET.TABLE}; a Spanner database {@code
 * INSTANCE/DATABASE} and its tables {@code INSTANCE/DATABASE/TABLE}.
 */
@Command(
    name = "data",
    description = {
      "BigQuery and Spanner browsing (experiment-vm /v1/datasets, /v1/queries, /v1/spanner).",
      "BigQuery: DATASET, DATASET.TABLE. Spanner: INSTANCE/DATABASE, INSTANCE/DATABASE/TABLE."
    },
    subcommands = {
      DataCommand.Datasets.class,
      DataCommand.Tables.class,
      DataCommand.Preview.class,
      DataCommand.Query.class
    })
public final class DataCommand {

  /** Prints BigQuery rows (objects, with a schema) or Spanner rows (arrays, with columns). */
  static void rows(Context ctx, JsonNode answer) {
    if (ctx.printer().structured(answer)) {
      return;
    }
    List<String> headers = new ArrayList<>();
    boolean spanner = answer.has("columns");
    for (JsonNode f : spanner ? answer.path("columns") : answer.path("schema")) {
      headers.add(f.path("name").asText());
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode r : answer.path("rows")) {
      List<String> row = new ArrayList<>();
      for (int i = 0; i < headers.size(); i++) {
        row.add(Cells.text(spanner ? r.path(i) : r.path(headers.get(i))));
      }
      rows.add(row);
    }
    ctx.printer().table(headers, rows);
    if (answer.path("truncated").asBoolean(false)) {
      ctx.err().println("(truncated)");
    }
    if (answer.hasNonNull("nextPageToken")) {
      ctx.err()
          .println(
              "more rows: GET /v1/queries/"
                  + answer.path("id").asText("{id}")
                  + "/results?pageToken="
                  + answer.path("nextPageToken").asText());
    }
  }

  /** {@code GET /v1/datasets} and {@code GET /v1/spanner/databases}. */
  @Command(
      name = "datasets",
      description = {
        "BigQuery datasets (GET /v1/datasets) and Spanner databases (GET /v1/spanner/databases).",
        "Example: mlcp data datasets"
      })
  static final class Datasets extends Verb {
    @Option(names = "--source", description = "bigquery or spanner (default both)")
    String source;

    @Override
    protected int run(Context ctx) {
      boolean bq = source == null || source.equalsIgnoreCase("bigquery");
      boolean sp = source == null || source.equalsIgnoreCase("spanner");
      if (!bq && !sp) {
        throw new CliException(Exit.USAGE, "--source is bigquery or spanner, not " + source);
      }
      ObjectNode answer = Json.object();
      if (bq) {
        answer.set("bigquery", ctx.api().get(Service.EXPERIMENT_VM, "/v1/datasets").json());
      }
      if (sp) {
        answer.set("spanner", ctx.api().get(Service.EXPERIMENT_VM, "/v1/spanner/databases").json());
      }
      if (ctx.printer().structured(answer)) {
        return Exit.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode d : answer.path("bigquery").path("datasets")) {
        rows.add(List.of("bigquery", d.asText()));
      }
      for (JsonNode d : answer.path("spanner").path("databases")) {
        rows.add(
            List.of("spanner", d.path("instance").asText() + "/" + d.path("database").asText()));
      }
      ctx.printer().table(List.of("SOURCE", "NAME"), rows);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/datasets/{ds}/tables} or {@code GET /v1/spanner/databases/{i}/{d}/tables}. */
  @Command(
      name = "tables",
      description = {
        "The tables of a BigQuery dataset (GET /v1/datasets/{ds}/tables) or of a Spanner database",
        "with their columns (GET /v1/spanner/databases/{i}/{d}/tables).",
        "Example: mlcp data tables samples; mlcp data tables mlcp-local/features"
      })
  static final class Tables extends Verb {
    @Parameters(paramLabel = "DATASET|INSTANCE/DATABASE")
    String ref;

    @Override
    protected int run(Context ctx) {
      String[] p = ref.split("/", -1);
      if (p.length == 1) {
        JsonNode answer =
            ctx.api().get(Service.EXPERIMENT_VM, "/v1/datasets/" + Api.seg(ref) + "/tables").json();
        ctx.printer().list(answer, "tables", List.of(Column.of("TABLE", n -> n.asText())));
        return Exit.OK;
      }
      if (p.length != 2) {
        throw new CliException(Exit.USAGE, "a Spanner database is INSTANCE/DATABASE, not " + ref);
      }
      JsonNode answer =
          ctx.api()
              .get(
                  Service.EXPERIMENT_VM,
                  "/v1/spanner/databases/" + Api.seg(p[0]) + "/" + Api.seg(p[1]) + "/tables")
              .json();
      ctx.printer()
          .list(
              answer,
              "tables",
              List.of(
                  Column.of("TABLE", "name"),
                  Column.of("PRIMARY KEY", "primaryKey"),
                  Column.of(
                      "COLUMNS",
                      n -> {
                        List<String> cols = new ArrayList<>();
                        n.path("columns")
                            .forEach(
                                c ->
                                    cols.add(
                                        c.path("name").asText() + ":" + c.path("type").asText()));
                        return String.join(",", cols);
                      })));
      return Exit.OK;
    }
  }

  /** A table's first rows. */
  @Command(
      name = "preview",
      description = {
        "A table's first rows: BigQuery DATASET.TABLE (GET /v1/datasets/{ds}/tables/{t}/preview)",
        "or Spanner INSTANCE/DATABASE/TABLE (GET /v1/spanner/databases/{i}/{d}/tables/{t}:preview).",
        "Example: mlcp data preview samples.customers --limit 5"
      })
  static final class Preview extends Verb {
    @Parameters(paramLabel = "DATASET.TABLE|INSTANCE/DATABASE/TABLE")
    String ref;

    @Option(names = "--limit", description = "rows (the service caps it)")
    Integer limit;

    @Override
    protected int run(Context ctx) {
      String[] sp = ref.split("/", -1);
      JsonNode answer;
      if (sp.length == 3) {
        answer =
            ctx.api()
                .get(
                    Service.EXPERIMENT_VM,
                    "/v1/spanner/databases/"
                        + Api.seg(sp[0])
                        + "/"
                        + Api.seg(sp[1])
                        + "/tables/"
                        + Api.seg(sp[2])
                        + ":preview")
                .query("maxRows", limit)
                .json();
      } else {
        String[] bq = ref.split("\\.", -1);
        if (sp.length != 1 || bq.length != 2) {
          throw new CliException(
              Exit.USAGE,
              "name a BigQuery DATASET.TABLE or a Spanner INSTANCE/DATABASE/TABLE, not " + ref);
        }
        answer =
            ctx.api()
                .get(
                    Service.EXPERIMENT_VM,
                    "/v1/datasets/" + Api.seg(bq[0]) + "/tables/" + Api.seg(bq[1]) + "/preview")
                .query("limit", limit)
                .json();
      }
      rows(ctx, answer);
      return Exit.OK;
    }
  }

  /** A read-only query. */
  @Command(
      name = "query",
      description = {
        "A read-only query. BigQuery (POST /v1/queries; --dry-run: POST /v1/queries:dryRun, bytes and cost) "
            + "or, with --spanner INSTANCE/DATABASE, Spanner (POST /v1/spanner/queries, --param name=value).",
        "Example: mlcp data query 'SELECT plan, COUNT(*) AS n FROM samples.customers GROUP BY plan'"
      })
  static final class Query extends Verb {
    @Parameters(paramLabel = "SQL")
    String sql;

    @Option(
        names = "--dry-run",
        description = "BigQuery: what it would scan and cost, without running it")
    boolean dryRun;

    @Option(
        names = "--spanner",
        paramLabel = "INSTANCE/DATABASE",
        description = "query this Spanner database")
    String spanner;

    @Option(
        names = "--param",
        paramLabel = "NAME=VALUE",
        description = "Spanner query parameter (numbers stay numbers; repeat)")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--max-rows", description = "Spanner: at most this many rows")
    Integer maxRows;

    @Option(names = "--page-size", description = "BigQuery: rows in the first page")
    Integer pageSize;

    @Override
    protected int run(Context ctx) {
      if (spanner != null) {
        String[] p = spanner.split("/", -1);
        if (p.length != 2) {
          throw new CliException(Exit.USAGE, "--spanner is INSTANCE/DATABASE, not " + spanner);
        }
        ObjectNode body = Json.object().put("instance", p[0]).put("database", p[1]).put("sql", sql);
        if (!params.isEmpty()) {
          ObjectNode ps = body.putObject("params");
          params.forEach(
              (k, v) -> {
                if (v.matches("-?\\d{1,18}")) {
                  ps.put(k, Long.parseLong(v));
                } else if (v.matches("-?\\d+\\.\\d+")) {
                  ps.put(k, Double.parseDouble(v));
                } else if (v.toLowerCase(Locale.ROOT).matches("true|false")) {
                  ps.put(k, Boolean.parseBoolean(v));
                } else {
                  ps.put(k, v);
                }
              });
        }
        if (maxRows != null) {
          body.put("maxRows", maxRows);
        }
        rows(ctx, ctx.api().post(Service.EXPERIMENT_VM, "/v1/spanner/queries").body(body).json());
        return Exit.OK;
      }
      ObjectNode body = Json.object().put("sql", sql);
      if (dryRun) {
        ctx.printer()
            .object(ctx.api().post(Service.EXPERIMENT_VM, "/v1/queries:dryRun").body(body).json());
        return Exit.OK;
      }
      JsonNode answer =
          ctx.api()
              .post(Service.EXPERIMENT_VM, "/v1/queries")
              .query("pageSize", pageSize)
              .body(body)
              .json();
      rows(ctx, answer);
      if (ctx.printer().format() == dev.mlcp.cli.output.Format.table) {
        ctx.err()
            .println(
                answer.path("totalRows").asLong()
                    + " rows, "
                    + Cells.usd(answer.path("estimatedCostUsd"))
                    + ", result table "
                    + answer.path("destination").asText());
      }
      return Exit.OK;
    }
  }
}
