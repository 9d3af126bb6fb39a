package dev.mlcp.cli.commands;

import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Mlcp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code mlcp local up|down|status|demo|logs|token}: local mode, i.e. {@code infra/local/mlcp}.
 * {@code bin/mlcp} execs the launcher itself without starting a JVM; this command is the same for a
 * jar run directly ({@code MLCP_REPO} names the checkout).
 */
@Command(
    name = "local",
    description = {
      "Local mode (infra/local/mlcp): up | down | status | demo | logs [service|run-id] | token [email].",
      "Example: mlcp local up; mlcp local status"
    })
public final class LocalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "up|down|status|demo|logs|token")
  String action;

  @Unmatched List<String> rest = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    String repo = ((Mlcp) spec.root().userObject()).env().get("MLCP_REPO");
    Path launcher = repo == null ? null : Path.of(repo, "infra/local/mlcp");
    if (launcher == null || !Files.isRegularFile(launcher)) {
      throw new CliException(
          Exit.USAGE,
          "local mode needs the repository: run bin/mlcp from the checkout, or set MLCP_REPO");
    }
    List<String> command = new ArrayList<>(List.of("bash", launcher.toString(), action));
    command.addAll(rest);
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
