package dev.mlcp.cli.commands;

import dev.mlcp.cli.Env;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Mlcp;
import dev.mlcp.cli.Settings;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mlcp config get|set}: the CLI's settings file. */
@Command(
    name = "config",
    description = {
      "The CLI's settings (~/.config/mlcp/config.json, or MLCP_CONFIG): mode, email (local mode's "
          + "identity), url.<service> (cloud mode; MLCP_<SERVICE>_URL overrides)."
    },
    subcommands = {ConfigCommand.Get.class, ConfigCommand.Set.class})
public final class ConfigCommand {

  static Env env(CommandSpec spec) {
    return ((Mlcp) spec.root().userObject()).env();
  }

  /** Prints one key, or every key. */
  @Command(
      name = "get",
      description = {
        "Print a setting, or all of them.",
        "Example: mlcp config get url.training-runner"
      })
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "KEY")
    String key;

    @Override
    public Integer call() {
      Settings s = Settings.load(env(spec));
      if (key != null) {
        String v = s.get(key);
        if (v == null) {
          spec.commandLine().getErr().println("(" + key + " is not set in " + s.file() + ")");
          return Exit.NOT_FOUND;
        }
        spec.commandLine().getOut().println(v);
        return Exit.OK;
      }
      Map<String, String> all = new TreeMap<>(s.all());
      all.forEach((k, v) -> spec.commandLine().getOut().println(k + "=" + v));
      spec.commandLine().getErr().println("(" + s.file() + ")");
      return Exit.OK;
    }
  }

  /** Sets (or, with an empty value, removes) one key. */
  @Command(
      name = "set",
      description = {
        "Set a setting; an empty value removes it.",
        "Example: mlcp config set mode cloud; mlcp config set url.training-runner https://training-runner-xyz.a.run.app"
      })
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    public Integer call() {
      Settings s = Settings.load(env(spec));
      s.set(key, value);
      spec.commandLine().getErr().println("set " + key + " in " + s.file());
      return Exit.OK;
    }
  }
}
