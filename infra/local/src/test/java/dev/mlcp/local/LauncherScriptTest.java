package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherScriptTest {

  private static final Path SCRIPT = Path.of("mlcp").toAbsolutePath();

  record Result(int exitCode, String output) {}

  static Result run(Path home, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (home != null) {
      pb.environment().put("MLCP_HOME", home.toString());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  @Test
  void script_parses_and_passes_shellcheck_when_installed() throws Exception {
    assertThat(run(null, List.of("bash", "-n", SCRIPT.toString())).exitCode()).isZero();
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/shellcheck")), "shellcheck not installed here");
    Result lint = run(null, List.of("shellcheck", "-S", "warning", SCRIPT.toString()));
    assertThat(lint.exitCode()).as(lint.output()).isZero();
  }

  @Test
  void status_of_a_home_where_nothing_was_started_says_so_and_fails(@TempDir Path home)
      throws Exception {
    Result status = run(home, List.of("bash", SCRIPT.toString(), "status"));

    assertThat(status.exitCode()).isEqualTo(1);
    assertThat(status.output()).contains("training-runner").contains("not started");
  }

  @Test
  void unknown_command_prints_usage(@TempDir Path home) throws Exception {
    Result r = run(home, List.of("bash", SCRIPT.toString(), "fly"));

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("usage: infra/local/mlcp up|down|status|demo");
  }

  @Test
  void image_map_maps_the_sample_trainer_image_to_the_sources_python() throws Exception {
    String map = Files.readString(Path.of("image-map"));

    assertThat(map)
        .contains(
            "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer = python3"
                + " @REPO@/examples/sample-trainer/train.py");
    assertThat(Path.of("../../examples/sample-trainer/train.py")).exists();
  }
}
