package dev.mlcp.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scripts themselves: syntax, lint, and the fake docker's own contract. */
class ScriptsTest {
  @TempDir Path dir;

  @Test
  void agent_and_fake_docker_are_valid_bash() throws Exception {
    for (Path script :
        List.of(AgentFixture.SCRIPT, AgentFixture.FAKE_DOCKER, AgentFixture.FAKE_IPTABLES)) {
      Result result = exec(Map.of(), "bash", "-n", script.toString());
      assertThat(result.exitCode()).as(script + ": " + result.output()).isZero();
    }
  }

  @Test
  void agent_and_fake_docker_are_shellcheck_clean() throws Exception {
    assumeTrue(onPath("shellcheck"), "shellcheck is not installed");
    Result result =
        exec(
            Map.of(),
            "shellcheck",
            AgentFixture.SCRIPT.toString(),
            AgentFixture.FAKE_DOCKER.toString(),
            AgentFixture.FAKE_IPTABLES.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void fake_docker_pull_fails_for_an_image_the_map_does_not_know() throws Exception {
    Path map = Files.writeString(dir.resolve("map"), "# comment\n\nknown/ = true\n");

    assertThat(docker(map, "pull", "known/image:1").exitCode()).isZero();
    Result unknown = docker(map, "pull", "unknown/image:1");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.output()).contains("pull access denied for unknown/image:1");
  }

  @Test
  void fake_docker_run_passes_the_command_line_and_returns_the_command_exit_code()
      throws Exception {
    Path outputs = Files.createDirectories(dir.resolve("outputs"));
    Path map =
        Files.writeString(
            dir.resolve("map"),
            "img = bash "
                + script("writer.sh", "printf '%s|' \"$@\" > \"$MLCP_OUTPUTS/out\"; exit 7"));

    Result result =
        docker(
            map,
            "run",
            "--rm",
            "--name",
            "c1",
            "-v",
            outputs + ":/outputs",
            "--log-driver=gcplogs",
            "--entrypoint",
            "first",
            "img",
            "a b",
            "$(echo no)");

    assertThat(result.exitCode()).as(result.output()).isEqualTo(7);
    assertThat(Files.readString(outputs.resolve("out"))).isEqualTo("first|a b|$(echo no)|");
  }

  @Test
  void fake_docker_run_gives_the_container_only_the_env_file_variables_unevaluated()
      throws Exception {
    Path outputs = Files.createDirectories(dir.resolve("outputs"));
    Path envFile = Files.writeString(dir.resolve("env"), "# comment\nA=$(echo x) `y`\nB=two=2\n\n");
    Path map =
        Files.writeString(
            dir.resolve("map"), "img = bash " + script("env.sh", "env > \"$MLCP_OUTPUTS/env\""));

    Result result =
        docker(map, "run", "--env-file", envFile.toString(), "-v", outputs + ":/outputs", "img");

    assertThat(result.exitCode()).as(result.output()).isZero();
    List<String> env = Files.readAllLines(outputs.resolve("env"));
    assertThat(env).contains("A=$(echo x) `y`", "B=two=2", "MLCP_OUTPUTS=" + outputs);
    assertThat(env).noneMatch(line -> line.startsWith("MLCP_IMAGE_MAP="));
  }

  @Test
  void fake_docker_reports_cpu_and_peak_memory_in_a_fake_cgroup() throws Exception {
    Path cgroups = Files.createDirectories(dir.resolve("cgroup"));
    Path cidfile = dir.resolve("cid");
    Path map = Files.writeString(dir.resolve("map"), "img = python3 -c sum(range(300000))\n");

    Result result =
        exec(
            Map.of("MLCP_IMAGE_MAP", map.toString(), "MLCP_CGROUP_ROOT", cgroups.toString()),
            AgentFixture.FAKE_DOCKER.toString(),
            "run",
            "--cidfile",
            cidfile.toString(),
            "img");

    assertThat(result.exitCode()).as(result.output()).isZero();
    String id = Files.readString(cidfile);
    assertThat(id).matches("[0-9a-f]{64}");
    Path cgroup = cgroups.resolve("docker").resolve(id);
    assertThat(Files.readString(cgroup.resolve("cpu.stat"))).containsPattern("usage_usec [1-9]");
    assertThat(Long.parseLong(Files.readString(cgroup.resolve("memory.peak")).strip()))
        .isPositive();
  }

  @Test
  void fake_docker_network_inspect_gives_the_loopback_as_the_bridge_gateway() throws Exception {
    Path map = Files.writeString(dir.resolve("map"), "img = true\n");

    Result result =
        docker(map, "network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{end}}");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).isEqualTo("127.0.0.1\n");
  }

  @Test
  void fake_iptables_inserts_first_lists_checks_and_deletes_rules_in_its_state_file()
      throws Exception {
    Path rules = dir.resolve("rules");
    Map<String, String> env = Map.of("MLCP_FAKE_IPTABLES_STATE", rules.toString());
    String iptables = AgentFixture.FAKE_IPTABLES.toString();

    assertThat(exec(env, iptables, "-w", "-A", "DOCKER-USER", "-j", "RETURN").exitCode()).isZero();
    assertThat(exec(env, iptables, "-A", "INPUT", "-j", "ACCEPT").exitCode()).isZero();
    assertThat(
            exec(env, iptables, "-w", "-I", "DOCKER-USER", "-d", "169.254.169.254/32", "-j", "DROP")
                .exitCode())
        .isZero();

    Result listed = exec(env, iptables, "-w", "-S", "DOCKER-USER");
    assertThat(listed.output())
        .isEqualTo(
            "-N DOCKER-USER\n" + AgentFixture.METADATA_DROP + "\n-A DOCKER-USER -j RETURN\n");
    assertThat(
            exec(env, iptables, "-C", "DOCKER-USER", "-d", "169.254.169.254/32", "-j", "DROP")
                .exitCode())
        .isZero();
    assertThat(exec(env, iptables, "-C", "DOCKER-USER", "-j", "ACCEPT").exitCode()).isEqualTo(1);
    assertThat(exec(env, iptables, "-I", "NO-SUCH-CHAIN", "-j", "DROP").exitCode()).isEqualTo(1);
    assertThat(exec(env, iptables, "-D", "DOCKER-USER", "-j", "RETURN").exitCode()).isZero();
    assertThat(Files.readAllLines(rules))
        .containsExactlyInAnyOrder("-A INPUT -j ACCEPT", AgentFixture.METADATA_DROP);
  }

  @Test
  void fake_iptables_fails_without_a_state_file_or_when_told_to() throws Exception {
    String iptables = AgentFixture.FAKE_IPTABLES.toString();
    assertThat(exec(Map.of(), iptables, "-S", "DOCKER-USER").exitCode()).isEqualTo(3);
    Map<String, String> failing =
        Map.of(
            "MLCP_FAKE_IPTABLES_STATE",
            dir.resolve("rules").toString(),
            "MLCP_FAKE_IPTABLES_FAIL",
            "insert");
    Result result = exec(failing, iptables, "-I", "DOCKER-USER", "-j", "DROP");
    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(result.output()).contains("Permission denied");
    assertThat(dir.resolve("rules")).isEmptyFile();
  }

  private Path script(String name, String body) throws IOException {
    return Files.writeString(dir.resolve(name), body + "\n");
  }

  private Result docker(Path map, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(AgentFixture.FAKE_DOCKER.toString());
    command.addAll(List.of(args));
    return exec(Map.of("MLCP_IMAGE_MAP", map.toString()), command.toArray(String[]::new));
  }

  private Result exec(Map<String, String> env, String... command) throws Exception {
    Path output = dir.resolve("output-" + System.nanoTime());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("MLCP_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
    }
    return new Result(process.exitValue(), Files.readString(output));
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null
        && Stream.of(path.split(File.pathSeparator))
            .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  private record Result(int exitCode, String output) {}
}
