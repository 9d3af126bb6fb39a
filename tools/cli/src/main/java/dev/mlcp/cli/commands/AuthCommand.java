package dev.mlcp.cli.commands;

import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlcp auth}: which identity the CLI calls with, and (explicitly) its token. */
@Command(
    name = "auth",
    description = "The identity the CLI calls the services with.",
    subcommands = {AuthCommand.Status.class, AuthCommand.PrintToken.class})
public final class AuthCommand {

  /** Mode, endpoints and token source; never the token. */
  @Command(
      name = "status",
      description = {
        "Mode, service URLs and where tokens come from (never the token).",
        "Example: mlcp auth status"
      })
  static final class Status extends Verb {
    @Override
    protected int run(Context ctx) {
      ctx.out().println("mode     " + ctx.endpoints().mode());
      for (Service s : Service.values()) {
        Object url = ctx.endpoints().urls().get(s);
        ctx.out()
            .println(String.format("%-16s %s", s.id(), url == null ? "(not configured)" : url));
      }
      ctx.out().println("tokens   " + ctx.api().tokens().describe());
      return Exit.OK;
    }
  }

  /** The one command that prints a token. */
  @Command(
      name = "print-token",
      description = {
        "Print a bearer token for a service (for curl). The only command that prints one.",
        "Example: curl -H \"Authorization: Bearer $(mlcp auth print-token)\" ..."
      })
  static final class PrintToken extends Verb {
    @Option(names = "--service", description = "the audience's service (default training-runner)")
    String service = "training-runner";

    @Override
    protected int run(Context ctx) {
      Service s = Service.of(service);
      ctx.out().println(ctx.api().tokens().token(ctx.endpoints().of(s)));
      return Exit.OK;
    }
  }
}
