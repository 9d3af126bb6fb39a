package dev.mlcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mode and the service URLs: flag, then MLCP_MODE, then the config, then ports.env. */
class EndpointsTest {
  @TempDir Path dir;

  Env env(Map<String, String> vars) {
    Map<String, String> all = new HashMap<>(vars);
    all.put("MLCP_HOME", dir.resolve("home").toString());
    all.put("MLCP_CONFIG", dir.resolve("config.json").toString());
    return new Env(all, dir);
  }

  void localModeUp() throws Exception {
    Files.createDirectories(dir.resolve("home/run"));
    Files.writeString(
        dir.resolve("home/run/ports.env"),
        "pubsub-emulator=9090\nexperiment-vm=9091\ntraining-runner=9092\nartifact-writer=9093\nserving-deployer=9094\nspanner-emulator=9095\n");
  }

  @Test
  void local_mode_is_the_default_when_ports_env_exists_and_reads_its_ports() throws Exception {
    localModeUp();
    Env env = env(Map.of());

    Endpoints e = Endpoints.resolve(null, env, Settings.load(env));

    assertThat(e.mode()).isEqualTo(Mode.LOCAL);
    assertThat(e.of(Service.TRAINING_RUNNER)).isEqualTo(URI.create("http://127.0.0.1:9092"));
    assertThat(e.of(Service.SERVING_DEPLOYER)).isEqualTo(URI.create("http://127.0.0.1:9094"));
  }

  @Test
  void without_local_mode_it_is_cloud_with_urls_from_the_config_and_the_environment_winning() {
    Env env = env(Map.of("MLCP_ARTIFACT_WRITER_URL", "https://aw-env.run.app/"));
    Settings s = Settings.load(env);
    s.set("url.training-runner", "https://tr.run.app");
    s.set("url.artifact-writer", "https://aw-config.run.app");

    Endpoints e = Endpoints.resolve(null, env, Settings.load(env));

    assertThat(e.mode()).isEqualTo(Mode.CLOUD);
    assertThat(e.of(Service.TRAINING_RUNNER)).isEqualTo(URI.create("https://tr.run.app"));
    assertThat(e.of(Service.ARTIFACT_WRITER)).isEqualTo(URI.create("https://aw-env.run.app"));
    assertThatThrownBy(() -> e.of(Service.EXPERIMENT_VM))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("mlcp config set url.experiment-vm")
        .hasMessageContaining("MLCP_EXPERIMENT_VM_URL");
  }

  @Test
  void the_flag_beats_mlcp_mode_which_beats_the_config_which_beats_ports_env() throws Exception {
    localModeUp();
    Env plain = env(Map.of());
    Settings.load(plain).set("mode", "cloud");
    Env withEnv = env(Map.of("MLCP_MODE", "local"));

    assertThat(Endpoints.resolve(null, plain, Settings.load(plain)).mode()).isEqualTo(Mode.CLOUD);
    assertThat(Endpoints.resolve(null, withEnv, Settings.load(withEnv)).mode())
        .isEqualTo(Mode.LOCAL);
    assertThat(Endpoints.resolve(Mode.CLOUD, withEnv, Settings.load(withEnv)).mode())
        .isEqualTo(Mode.CLOUD);
  }

  @Test
  void local_mode_that_is_not_up_says_how_to_start_it() {
    Env env = env(Map.of("MLCP_MODE", "local"));

    Endpoints e = Endpoints.resolve(null, env, Settings.load(env));

    assertThatThrownBy(() -> e.of(Service.TRAINING_RUNNER))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("local mode is not up")
        .hasMessageContaining("mlcp local up");
  }

  @Test
  void mlcp_home_defaults_to_the_repository_s_dot_mlcp() {
    Env env = new Env(Map.of("MLCP_REPO", "/src/mlcp"), dir);

    assertThat(Endpoints.mlcpHome(env)).isEqualTo(Path.of("/src/mlcp/.mlcp"));
  }

  @Test
  void config_set_and_get_round_trip_and_refuse_unknown_keys_and_bad_values() {
    Cli cli = Cli.local(dir, 1);

    Cli.Result set = cli.run("config", "set", "url.training-runner", "https://tr.run.app");
    Cli.Result get = cli.run("config", "get", "url.training-runner");
    Cli.Result unknown = cli.run("config", "set", "token", "x");
    Cli.Result bad = cli.run("config", "set", "mode", "moon");
    Cli.Result missing = cli.run("config", "get", "email");

    assertThat(set.exitCode()).isZero();
    assertThat(get.out().strip()).isEqualTo("https://tr.run.app");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown key token");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(missing.exitCode()).isEqualTo(3);
  }
}
