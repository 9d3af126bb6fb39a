package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mlcp.events.ScheduledJobs;
import dev.mlcp.local.Scheduler.JobState;
import dev.mlcp.local.Scheduler.State;
import dev.mlcp.local.Scheduler.Tick;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherScriptTest {

  private static final Path SCRIPT = Path.of("mlcp").toAbsolutePath();

  /** The Java helpers run on this test's classpath: it holds them and what they use. */
  private static final Map<String, String> HELPERS =
      Map.of("MLCP_HELPER_CP", System.getProperty("java.class.path"));

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killStarted() {
    started.forEach(Process::destroyForcibly);
  }

  record Result(int exitCode, String output) {}

  static Result run(Path home, List<String> command) throws Exception {
    return run(home, Map.of(), command);
  }

  static Result run(Path home, Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (home != null) {
      pb.environment().put("MLCP_HOME", home.toString());
    }
    pb.environment().putAll(env);
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

  @Test
  void status_shows_the_scheduler_and_the_last_tick_of_every_scheduled_job(@TempDir Path home)
      throws Exception {
    Files.createDirectories(home.resolve("run"));
    Map<String, JobState> jobs = new LinkedHashMap<>();
    jobs.put(
        "training-runner-reconcile",
        new JobState(
            "http://127.0.0.1:8092/internal/reconcile",
            Duration.ofMinutes(1),
            new Tick(Instant.now().minusSeconds(5), 200, 31, "{}")));
    Scheduler.writeState(home.resolve("run/scheduler-state.json"), new State(Instant.now(), jobs));

    Result status = run(home, HELPERS, List.of("bash", SCRIPT.toString(), "status"));

    assertThat(status.output())
        .containsPattern("(?m)^scheduler +- +- +not started$")
        .containsPattern("(?m)^training-runner-reconcile +1 min +\\d+ s ago: HTTP 200 in 31 ms$")
        .containsPattern("(?m)^training-runner-schedules-tick +1 min +none yet$");
    assertThat(ScheduledJobs.ALL).allSatisfy(j -> assertThat(status.output()).contains(j.name()));
  }

  @Test
  void down_leaves_alone_processes_whose_pids_another_process_now_has(@TempDir Path home)
      throws Exception {
    Process unrelated = sleeper();
    Process unrelatedVm = sleeper();
    // Pid files and a local VM record naming live processes, with other start times: what is left
    // after ours ended and the kernel handed the pids out again.
    writePidFile(home, "training-runner", unrelated.pid(), startTicks(unrelated.pid()) - 1);
    writeInstance(home, "vm-1", unrelatedVm.pid(), startMillis(unrelatedVm) - 60_000);

    Result down = run(home, List.of("bash", SCRIPT.toString(), "down"));

    assertThat(unrelated.waitFor(1, TimeUnit.SECONDS)).as("unrelated process killed").isFalse();
    assertThat(unrelatedVm.isAlive()).as("unrelated VM pid killed").isTrue();
    assertThat(down.exitCode()).as(down.output()).isZero();
    assertThat(down.output()).contains("is not the training-runner this launcher started");
  }

  @Test
  void down_stops_the_processes_it_started(@TempDir Path home) throws Exception {
    Process service = sleeper();
    Process vm = sleeper();
    writePidFile(home, "training-runner", service.pid(), startTicks(service.pid()));
    writeInstance(home, "vm-1", vm.pid(), startMillis(vm));

    Result down = run(home, List.of("bash", SCRIPT.toString(), "down"));

    assertThat(down.exitCode()).as(down.output()).isZero();
    assertThat(service.waitFor(10, TimeUnit.SECONDS)).as("service stopped").isTrue();
    assertThat(vm.waitFor(10, TimeUnit.SECONDS)).as("local VM stopped").isTrue();
  }

  @Test
  void up_creates_its_home_and_what_it_writes_there_owner_only(@TempDir Path tmp) throws Exception {
    Path home = tmp.resolve("home");

    Result up = upWithThirdPortBusy(home);

    assertThat(up.output()).contains("(training-runner) is in use");
    assertThat(mode(home)).isEqualTo("rwx------");
    for (String d : List.of("run", "state", "auth")) {
      assertThat(mode(home.resolve(d))).as(d).isEqualTo("rwx------");
    }
    assertThat(mode(home.resolve("run/ports.env"))).isEqualTo("rw-------");
  }

  @Test
  void up_does_not_stop_a_process_whose_pid_another_process_now_has(@TempDir Path home)
      throws Exception {
    Process unrelated = sleeper();
    writePidFile(home, "experiment-vm", unrelated.pid(), startTicks(unrelated.pid()) + 7);

    Result up = upWithThirdPortBusy(home);

    assertThat(up.output()).contains("(training-runner) is in use");
    assertThat(unrelated.isAlive()).as("unrelated process killed").isTrue();
  }

  /** Runs up with a port taken: it stops at the port check, before building or starting. */
  private static Result upWithThirdPortBusy(Path home) throws Exception {
    try (ServerSocket busy = busyThirdPort()) {
      Result up =
          run(
              home,
              Map.of("MLCP_PORT_BASE", String.valueOf(busy.getLocalPort() - 2)),
              List.of("bash", SCRIPT.toString(), "up"));
      assertThat(up.exitCode()).as(up.output()).isEqualTo(1);
      return up;
    }
  }

  private Process sleeper() throws IOException {
    Process p = new ProcessBuilder("sleep", "300").start();
    started.add(p);
    return p;
  }

  private static void writePidFile(Path home, String name, long pid, long startTicks)
      throws IOException {
    Files.createDirectories(home.resolve("run"));
    Files.writeString(home.resolve("run/" + name + ".pid"), pid + " " + startTicks + "\n");
  }

  /** A local VM's record as the local Instances adapter writes it (the fields down reads). */
  private static void writeInstance(Path home, String name, long pid, long startMillis)
      throws IOException {
    Path dir = home.resolve("state/instances/" + name);
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("instance.json"),
        "{\"pid\": " + pid + ", \"processStartEpochMillis\": " + startMillis + "}");
  }

  /** Field 22 of /proc/<pid>/stat, what the launcher records next to a pid. */
  private static long startTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
  }

  private static long startMillis(Process p) {
    return p.info().startInstant().orElseThrow().toEpochMilli();
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** A bound port whose two predecessors are free. */
  private static ServerSocket busyThirdPort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      ServerSocket busy = new ServerSocket(0);
      int port = busy.getLocalPort();
      if (Stream.of(port - 2, port - 1).allMatch(LauncherScriptTest::free)) {
        return busy;
      }
      busy.close();
    }
    throw new IllegalStateException("no free port pair below a bound port");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
