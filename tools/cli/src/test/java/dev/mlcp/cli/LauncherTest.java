package dev.mlcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code bin/mlcp local ...} is the local-mode launcher, run without a JVM. */
class LauncherTest {

  @Test
  void mlcp_local_hands_its_arguments_to_the_local_launcher() throws Exception {
    Path bin = Path.of("../../bin/mlcp").toAbsolutePath().normalize();
    Process p =
        new ProcessBuilder("bash", bin.toString(), "local", "no-such-action")
            .redirectErrorStream(true)
            .start();

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(output).isEqualTo(2);
    assertThat(output).contains("usage: infra/local/mlcp up|down|status|demo");
  }
}
