package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Mode;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Cells;
import dev.mlcp.cli.output.Column;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mlcp experiments}: notebook VMs on experiment-vm ({@code /v1/experiments}). */
@Command(
    name = "experiments",
    description = "Notebook VMs (experiment-vm /v1/experiments).",
    subcommands = {
      ExperimentsCommand.Create.class,
      ExperimentsCommand.ListExperiments.class,
      ExperimentsCommand.Get.class,
      ExperimentsCommand.Ssh.class,
      ExperimentsCommand.Stop.class,
      ExperimentsCommand.Start.class,
      ExperimentsCommand.Delete.class
    })
public final class ExperimentsCommand {
  static final List<Column> COLUMNS =
      List.of(
          Column.of("NAME", "name"),
          Column.of("STATE", "state"),
          Column.of("OWNER", "owner"),
          Column.of("MACHINE", "machineType"),
          Column.of("IDLE", "idle"),
          Column.of("EXPIRES", n -> Cells.time(n.path("expiresAt"))),
          Column.of("COST", n -> Cells.usd(n.path("costEstimateUsd"))));

  static String path(String name) {
    return "/v1/experiments/" + Api.seg(name);
  }

  /** {@code POST /v1/experiments}. */
  @Command(
      name = "create",
      description = {
        "Create a notebook VM (POST /v1/experiments).",
        "Example: mlcp experiments create churn-eda --machine-type n1-standard-8 --ttl 4h --idle-timeout 30m"
      })
  static final class Create extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--machine-type")
    String machineType;

    @Option(
        names = "--accelerator",
        paramLabel = "TYPE[:COUNT]",
        description = "e.g. nvidia-tesla-t4:1")
    String accelerator;

    @Option(names = "--disk-gb")
    Integer diskGb;

    @Option(names = "--image-family")
    String imageFamily;

    @Option(names = "--zone", description = "zone, in order of preference (repeat)")
    List<String> zones = new ArrayList<>();

    @Option(names = "--spot")
    Boolean spot;

    @Option(names = "--external-ip")
    Boolean externalIp;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "lifetime, e.g. 4h")
    String ttl;

    @Option(
        names = "--idle-timeout",
        paramLabel = "DURATION",
        description = "stopped when idle this long, e.g. 30m")
    String idleTimeout;

    @Override
    protected int run(Context ctx) {
      ObjectNode b = Json.object().put("name", name);
      if (machineType != null) {
        b.put("machineType", machineType);
      }
      if (accelerator != null) {
        String[] p = accelerator.split(":", 2);
        b.put("acceleratorType", p[0]);
        try {
          b.put("acceleratorCount", p.length == 2 ? Integer.parseInt(p[1]) : 1);
        } catch (NumberFormatException e) {
          throw new CliException(
              Exit.USAGE, "--accelerator must be TYPE[:COUNT], not " + accelerator);
        }
      }
      if (diskGb != null) {
        b.put("diskGb", diskGb);
      }
      if (imageFamily != null) {
        b.put("imageFamily", imageFamily);
      }
      if (!zones.isEmpty()) {
        ArrayNode z = b.putArray("zones");
        zones.forEach(z::add);
      }
      if (spot != null) {
        b.put("spot", spot);
      }
      if (externalIp != null) {
        b.put("externalIp", externalIp);
      }
      if (ttl != null) {
        b.put("ttl", Json.duration(ttl, "--ttl").toString());
      }
      if (idleTimeout != null) {
        b.put("idleTimeout", Json.duration(idleTimeout, "--idle-timeout").toString());
      }
      ctx.printer()
          .row(ctx.api().post(Service.EXPERIMENT_VM, "/v1/experiments").body(b).json(), COLUMNS);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/experiments}. */
  @Command(
      name = "list",
      description = {
        "List notebook VMs, newest first (GET /v1/experiments).",
        "Example: mlcp experiments list --state RUNNING"
      })
  static final class ListExperiments extends Verb {
    @Option(names = "--state")
    String state;

    @Option(names = "--owner", description = "an owner's email (admins)")
    String owner;

    @Mixin PageOptions page;

    @Override
    protected int run(Context ctx) {
      JsonNode answer =
          page.apply(
                  ctx.api()
                      .get(Service.EXPERIMENT_VM, "/v1/experiments")
                      .query("state", state)
                      .query("owner", owner))
              .json();
      ctx.printer().list(answer, "experiments", COLUMNS);
      return Exit.OK;
    }
  }

  /** {@code GET /v1/experiments/{name}}. */
  @Command(
      name = "get",
      description = {
        "A notebook VM: IPs, idle state, cost, how to connect (GET /v1/experiments/{name}).",
        "Example: mlcp experiments get churn-eda"
      })
  static final class Get extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Context ctx) {
      ctx.printer().object(ctx.api().get(Service.EXPERIMENT_VM, path(name)).json());
      return Exit.OK;
    }
  }

  /** Prints or runs the IAP SSH command of a notebook VM. */
  @Command(
      name = "ssh",
      description = {
        "Print the 'gcloud compute ssh --tunnel-through-iap' command of a notebook VM (from "
            + "GET /v1/experiments/{name}), or run it with --exec. It forwards JupyterLab's port.",
        "Local mode has no SSH (a local VM is a process): prints the notebook's URL instead.",
        "Example: mlcp experiments ssh churn-eda --exec"
      })
  static final class Ssh extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--exec", description = "run the command (gcloud must be installed)")
    boolean exec;

    @Override
    protected int run(Context ctx) throws Exception {
      JsonNode e = ctx.api().get(Service.EXPERIMENT_VM, path(name)).json();
      JsonNode connect = e.path("connect");
      if (ctx.endpoints().mode() == Mode.LOCAL) {
        ctx.err()
            .println("local mode: no SSH to a local notebook VM (it is a process on this machine)");
        if (!connect.hasNonNull("url")) {
          throw new CliException(
              Exit.CONFLICT,
              name + " has no notebook URL yet (state " + e.path("state").asText() + ")");
        }
        ctx.out().println(connect.path("url").asText());
        return Exit.OK;
      }
      String ssh = connect.path("ssh").asText(null);
      if (ssh == null) {
        throw new CliException(
            Exit.CONFLICT,
            name
                + " is "
                + e.path("state").asText()
                + ": no SSH (start it first: mlcp experiments start "
                + name
                + ")");
      }
      List<String> argv = Arrays.asList(ssh.trim().split("\\s+"));
      if (argv.size() < 4 || !argv.subList(0, 3).equals(List.of("gcloud", "compute", "ssh"))) {
        throw new CliException(Exit.ERROR, "experiment-vm gave an unexpected ssh command: " + ssh);
      }
      if (!exec) {
        ctx.out().println(ssh);
        ctx.err().println("then open " + connect.path("url").asText("the notebook"));
        return Exit.OK;
      }
      ctx.err().println("then open " + connect.path("url").asText("the notebook"));
      Process p = new ProcessBuilder(argv).inheritIO().start();
      return p.waitFor();
    }
  }

  /** {@code POST /v1/experiments/{name}:stop}. */
  @Command(
      name = "stop",
      description = {
        "Stop a notebook VM, keeping its disk (POST /v1/experiments/{name}:stop).",
        "Example: mlcp experiments stop churn-eda"
      })
  static final class Stop extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .row(ctx.api().post(Service.EXPERIMENT_VM, path(name) + ":stop").json(), COLUMNS);
      return Exit.OK;
    }
  }

  /** {@code POST /v1/experiments/{name}:start}. */
  @Command(
      name = "start",
      description = {
        "Start a stopped notebook VM (POST /v1/experiments/{name}:start).",
        "Example: mlcp experiments start churn-eda"
      })
  static final class Start extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Context ctx) {
      ctx.printer()
          .row(ctx.api().post(Service.EXPERIMENT_VM, path(name) + ":start").json(), COLUMNS);
      return Exit.OK;
    }
  }

  /** {@code DELETE /v1/experiments/{name}}. */
  @Command(
      name = "delete",
      description = {
        "Delete a notebook VM and its disk (DELETE /v1/experiments/{name}; idempotent).",
        "Example: mlcp experiments delete churn-eda"
      })
  static final class Delete extends Verb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Context ctx) {
      ctx.printer().row(ctx.api().delete(Service.EXPERIMENT_VM, path(name)).json(), COLUMNS);
      return Exit.OK;
    }
  }
}
