package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code terraform fmt -check -recursive}, where terraform is installed (it is not required). */
class TerraformFormatTest {

  @Test
  void terraform_files_are_formatted() throws Exception {
    String path = System.getenv().getOrDefault("PATH", "");
    boolean installed =
        Arrays.stream(path.split(File.pathSeparator))
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, "terraform")));
    assumeTrue(installed, "terraform is not on the PATH");
    Process process =
        new ProcessBuilder("terraform", "fmt", "-check", "-recursive", "-diff", ".")
            .directory(Repo.terraform().toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("terraform fmt -check:\n%s", output).isZero();
  }
}
