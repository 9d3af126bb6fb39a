package dev.mlcp.cli;

import dev.mlcp.cli.auth.CloudTokens;
import dev.mlcp.cli.auth.LocalTokens;
import dev.mlcp.cli.auth.TokenSource;
import dev.mlcp.cli.commands.AuthCommand;
import dev.mlcp.cli.commands.ConfigCommand;
import dev.mlcp.cli.commands.ConsoleCommand;
import dev.mlcp.cli.commands.DataCommand;
import dev.mlcp.cli.commands.DeployCommand;
import dev.mlcp.cli.commands.ExperimentsCommand;
import dev.mlcp.cli.commands.LocalCommand;
import dev.mlcp.cli.commands.ModelsCommand;
import dev.mlcp.cli.commands.RunsCommand;
import dev.mlcp.cli.commands.SchedulesCommand;
import dev.mlcp.cli.commands.SecretsCommand;
import dev.mlcp.cli.commands.ServicesCommand;
import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Format;
import dev.mlcp.cli.output.Printer;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code mlcp}: the command line of mlcp, gcloud-style ({@code mlcp runs list --format=json}).
 * Every command calls a service's REST API; see tools/cli/README.md.
 *
 * <p>A command-line tool: standard output and error are its product, so it writes there.
 */
@Command(
    name = "mlcp",
    version = "mlcp-cli 0.1.0",
    description = "The mlcp control plane from the command line (local mode or the cloud).",
    footer = {"", Exit.HELP},
    subcommands = {
      LocalCommand.class,
      RunsCommand.class,
      SchedulesCommand.class,
      ModelsCommand.class,
      DeployCommand.class,
      ServicesCommand.class,
      ExperimentsCommand.class,
      DataCommand.class,
      SecretsCommand.class,
      ConfigCommand.class,
      AuthCommand.class,
      ConsoleCommand.class
    })
public final class Mlcp implements Runnable {
  /** Local mode's identity unless {@code --as}, {@code MLCP_EMAIL} or {@code email} says. */
  public static final String DEFAULT_LOCAL_EMAIL = "demo@mlcp.local";

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "Show this help and exit.")
  boolean help;

  @Option(
      names = {"-V", "--version"},
      versionHelp = true,
      description = "Print the version and exit.")
  boolean version;

  @Option(
      names = "--mode",
      scope = ScopeType.INHERIT,
      description =
          "local or cloud (default: MLCP_MODE, the config's mode, else local when local mode is up)")
  Mode mode;

  @Option(
      names = "--format",
      scope = ScopeType.INHERIT,
      description = "table (default), json or yaml")
  Format format;

  @Option(
      names = "--as",
      scope = ScopeType.INHERIT,
      paramLabel = "EMAIL",
      description =
          "local mode only: the identity to sign as (default: MLCP_EMAIL, the config's email, else demo@mlcp.local)")
  String as;

  private final Env env;
  private final PrintStream out;
  private final PrintStream err;
  private final Clock clock;
  private final BiFunction<Endpoints, String, TokenSource> tokens;
  private Context context;

  /** The CLI over {@code env}, writing to {@code out} and {@code err}. */
  public Mlcp(
      Env env,
      PrintStream out,
      PrintStream err,
      Clock clock,
      BiFunction<Endpoints, String, TokenSource> tokens) {
    this.env = env;
    this.out = out;
    this.err = err;
    this.clock = clock;
    this.tokens = tokens;
  }

  /** Entry point. */
  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
    int code = run(args, Env.system(), out, err, Mlcp::tokenSource);
    out.flush();
    System.exit(code);
  }

  /** Runs one command line; returns the exit code. */
  public static int run(
      String[] args,
      Env env,
      PrintStream out,
      PrintStream err,
      BiFunction<Endpoints, String, TokenSource> tokens) {
    Mlcp mlcp = new Mlcp(env, out, err, Clock.systemUTC(), tokens);
    return commandLine(mlcp).execute(args);
  }

  /** The picocli command line of {@code mlcp}, with mlcp's exit codes and error lines. */
  public static CommandLine commandLine(Mlcp mlcp) {
    CommandLine cl = new CommandLine(mlcp);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(new PrintWriter(mlcp.out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(mlcp.err, true, StandardCharsets.UTF_8));
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof CliException c) {
            mlcp.err.println("ERROR: " + c.getMessage());
            return c.exitCode();
          }
          mlcp.err.println("ERROR: " + e);
          return Exit.ERROR;
        });
    return cl;
  }

  /** The token source of a mode: the local key, or ADC then gcloud. */
  public static TokenSource tokenSource(Endpoints endpoints, String email) {
    if (endpoints.mode() == Mode.LOCAL) {
      return new LocalTokens(endpoints.mlcpHome().resolve("auth"), email, Clock.systemUTC());
    }
    return CloudTokens.standard();
  }

  @Override
  public void run() {
    new CommandLine(this).usage(out);
  }

  /** The context, resolved on first use. */
  public Context context() {
    if (context == null) {
      Settings settings = Settings.load(env);
      Endpoints endpoints = Endpoints.resolve(mode, env, settings);
      String email = as;
      if (email != null && endpoints.mode() == Mode.CLOUD) {
        throw new CliException(
            Exit.USAGE, "--as is for local mode; in the cloud the identity is your Google account");
      }
      if (email == null) {
        email = env.get("MLCP_EMAIL", settings.get("email"));
      }
      if (email == null) {
        email = DEFAULT_LOCAL_EMAIL;
      }
      Duration poll = Duration.ofMillis(Long.parseLong(env.get("MLCP_POLL_MS", "1000")));
      Format f = format == null ? Format.table : format;
      context =
          new Context(
              env,
              endpoints,
              new Api(endpoints, tokens.apply(endpoints, email)),
              new Printer(out, err, f),
              out,
              err,
              clock,
              poll);
    }
    return context;
  }

  /** The environment. */
  public Env env() {
    return env;
  }
}
