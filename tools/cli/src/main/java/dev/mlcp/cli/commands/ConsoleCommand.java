package dev.mlcp.cli.commands;

import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Mode;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import dev.mlcp.console.ConsoleConfig;
import dev.mlcp.console.ConsoleServer;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mlcp console}: the web console on this machine's loopback, in front of the configured
 * services, calling them with the CLI's own identity (ID tokens from ADC or gcloud in the cloud,
 * the local key in local mode). Tokens never reach the browser; see tools/console.
 */
@Command(
    name = "console",
    description = {
      "Serve the web console on 127.0.0.1 in front of the services, with your identity.",
      "Prints the URL (with its per-start key) and serves until Ctrl-C.",
      "Example: mlcp console --port 8096"
    })
public final class ConsoleCommand extends Verb {

  @Option(names = "--port", description = "loopback port (default: any free port)")
  int port;

  @Option(
      names = "--warehouse",
      description = "SQL dialect of the registry's warehouse: bigquery (cloud) or duckdb (local)")
  String warehouse;

  @Override
  protected int run(Context ctx) {
    Map<String, URI> services = new LinkedHashMap<>();
    for (Service s : Service.values()) {
      URI url = ctx.endpoints().urls().get(s);
      if (url != null) {
        services.put(s.id(), url);
      }
    }
    if (services.isEmpty()) {
      throw new CliException(
          Exit.USAGE,
          "no service URL configured: mlcp config set url.<service> URL, or local mode");
    }
    String dialect =
        warehouse != null
            ? warehouse
            : ctx.endpoints().mode() == Mode.LOCAL ? "duckdb" : "bigquery";
    ConsoleConfig config;
    try {
      config =
          new ConsoleConfig(
              port, services, audience -> ctx.api().tokens().token(audience), dialect);
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    try (ConsoleServer server = ConsoleServer.start(config)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
      ctx.out().println("console: " + server.url());
      ctx.out().println("(serving until Ctrl-C; the key in the URL is this start's only)");
      ctx.out().flush();
      stopped.await();
    } catch (IOException e) {
      throw new CliException(Exit.ERROR, "cannot start the console: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Exit.OK;
  }
}
