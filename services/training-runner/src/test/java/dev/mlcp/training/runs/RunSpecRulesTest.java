package dev.mlcp.training.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.events.RunSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunSpecRulesTest {
  static final String IMAGE = "europe-docker.pkg.dev/mlcp-demo/examples/sample-trainer:1";

  static RunSpec spec(
      String name,
      String image,
      List<String> args,
      Map<String, String> env,
      List<String> secrets,
      String machineType,
      String acceleratorType,
      int acceleratorCount,
      boolean spot,
      String onPreemption,
      List<String> zones,
      long seconds,
      List<String> inputs,
      String outputUri,
      Map<String, String> labels,
      List<RunSpec> next) {
    return new RunSpec(
        name,
        image,
        List.of(),
        args,
        env,
        secrets,
        machineType,
        acceleratorType,
        acceleratorCount,
        spot,
        onPreemption,
        zones,
        seconds,
        inputs,
        outputUri,
        labels,
        next);
  }

  static RunSpec full() {
    return spec(
        "churn-model",
        IMAGE,
        List.of("--epochs", "3", "$(touch /tmp/pwned); echo"),
        Map.of("LR", "0.1"),
        List.of("openai-key"),
        "g2-standard-8",
        "nvidia-l4",
        1,
        true,
        "fallbackOnDemand",
        List.of("europe-west4-a", "europe-west4-b"),
        3600,
        List.of("gs://data-bucket/train.csv", "bq://my-project.sales.orders"),
        "gs://artifacts-bucket/runs",
        Map.of("team", "growth"),
        List.of(RunSpec.of("churn-eval", IMAGE)));
  }

  static List<String> fields(RunSpec s) {
    return RunSpecRules.check(s, "spec").stream().map(SpecViolation::field).toList();
  }

  @Test
  void a_complete_valid_spec_has_no_violations_and_shell_text_in_args_is_just_data() {
    assertThat(RunSpecRules.check(full(), "spec")).isEmpty();
    assertThat(RunSpecRules.check(RunSpec.of("a", IMAGE), "spec")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Churn", "1churn", "churn-", "churn_model", "churn model", "a;rm"})
  void name_must_follow_gce_rules(String name) {
    assertThat(fields(RunSpec.of(name, IMAGE))).containsExactly("spec.name");
  }

  @Test
  void name_longer_than_forty_characters_is_rejected() {
    assertThat(fields(RunSpec.of("a".repeat(41), IMAGE))).containsExactly("spec.name");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ubuntu:22.04",
        "docker.io/library/python:3.12",
        "europe-docker.pkg.dev/p/r/img",
        "europe-docker.pkg.dev/mlcp-demo/Examples/img:1",
        "europe-docker.pkg.dev/mlcp-demo/examples/img:1;ls",
        "europe-docker.pkg.dev/mlcp-demo/examples/img@sha256:abc"
      })
  void image_must_be_an_artifact_registry_reference(String image) {
    assertThat(fields(RunSpec.of("a", image))).containsExactly("spec.image");
  }

  @Test
  void image_with_digest_is_accepted() {
    assertThat(
            fields(
                RunSpec.of(
                    "a", "us-docker.pkg.dev/mlcp-demo/examples/img:1@sha256:" + "a".repeat(64))))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"n1-standard", "x9-standard-4", "n1-standard-8; reboot", "N1-STANDARD-8"})
  void unknown_machine_type_is_rejected(String machineType) {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            machineType,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.machineType");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "n1-standard-8",
        "e2-medium",
        "a2-highgpu-1g",
        "n2-custom-8-32768",
        "c3-highcpu-22"
      })
  void known_machine_types_are_accepted(String machineType) {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            machineType,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).isEmpty();
  }

  @Test
  void accelerator_type_and_count_must_be_known() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            null,
            "nvidia-gtx-1080",
            3,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.acceleratorType", "spec.acceleratorCount");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 29, 604_801})
  void duration_must_be_between_thirty_seconds_and_seven_days(long seconds) {
    RunSpec s =
        spec(
            "a", IMAGE, null, null, null, null, null, 0, false, null, null, seconds, null, null,
            null, null);
    assertThat(fields(s)).containsExactly("spec.maxRunDurationSeconds");
  }

  @Test
  void duration_bounds_are_inclusive() {
    for (long seconds : new long[] {30, 604_800}) {
      RunSpec s =
          spec(
              "a", IMAGE, null, null, null, null, null, 0, false, null, null, seconds, null, null,
              null, null);
      assertThat(fields(s)).isEmpty();
    }
  }

  @Test
  void on_preemption_must_be_known_and_needs_spot() {
    RunSpec unknown =
        spec(
            "a", IMAGE, null, null, null, null, null, 0, true, "pray", null, 0, null, null, null,
            null);
    RunSpec onDemand =
        spec(
            "a", IMAGE, null, null, null, null, null, 0, false, "retry", null, 0, null, null, null,
            null);
    assertThat(fields(unknown)).containsExactly("spec.onPreemption");
    assertThat(fields(onDemand)).containsExactly("spec.onPreemption");
  }

  @Test
  void zones_must_look_like_zones() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            List.of("europe-west4-a", "europe-west4"),
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.zones[1]");
  }

  @Test
  void env_names_must_be_variable_names_and_not_reserved() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            Map.of("BAD-NAME", "x", "MLCP_RUN_ID", "y"),
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).containsExactlyInAnyOrder("spec.env.BAD-NAME", "spec.env.MLCP_RUN_ID");
  }

  @Test
  void secret_names_must_be_secret_manager_names() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            List.of("ok-name", "projects/p/secrets/x"),
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.secrets[1]");
  }

  @Test
  void inputs_must_be_gcs_or_bigquery_and_output_must_be_gcs() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            List.of("http://x/y", "gs://bucket/ok"),
            "/tmp/out",
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.inputs[0]", "spec.outputUri");
  }

  @Test
  void input_prefixes_cannot_carry_what_a_credential_access_boundary_cannot_hold() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            List.of("gs://bucket/data/*.csv", "gs://bucket/it's", "gs://bucket/ok/"),
            null,
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.inputs[0]", "spec.inputs[1]");
  }

  @Test
  void a_run_reads_at_most_nine_input_buckets() {
    List<String> inputs = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      inputs.add("gs://bucket-" + i + "/data/");
    }
    RunSpec s =
        spec(
            "a", IMAGE, null, null, null, null, null, 0, false, null, null, 0, inputs, null, null,
            null);
    assertThat(fields(s)).containsExactly("spec.inputs");
  }

  @Test
  void labels_follow_gce_rules_and_mlcp_keys_are_reserved() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            Map.of("Team", "x", "mlcp-run", "y", "owner", "ana@example.com"),
            null);
    assertThat(fields(s))
        .containsExactlyInAnyOrder("spec.labels.Team", "spec.labels.mlcp-run", "spec.labels.owner");
  }

  @Test
  void args_with_nul_are_rejected() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            List.of("ok", "bad\0"),
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            null);
    assertThat(fields(s)).containsExactly("spec.args[1]");
  }

  @Test
  void follow_up_runs_are_checked_with_their_path() {
    RunSpec s =
        spec(
            "a",
            IMAGE,
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            0,
            null,
            null,
            null,
            List.of(RunSpec.of("ok", IMAGE), RunSpec.of("Bad", "nope")));
    assertThat(fields(s)).containsExactly("spec.next[1].name", "spec.next[1].image");
  }

  @Test
  void require_throws_with_every_violation() {
    assertThatThrownBy(() -> RunSpecRules.require(RunSpec.of("Bad", "nope"), "spec"))
        .isInstanceOfSatisfying(
            InvalidRunSpecException.class,
            e ->
                assertThat(e.violations())
                    .extracting(SpecViolation::field)
                    .containsExactly("spec.name", "spec.image"));
  }

  @Test
  void states_move_only_forward_and_terminal_states_are_final() {
    assertThat(RunState.QUEUED.canMoveTo(RunState.PROVISIONING)).isTrue();
    assertThat(RunState.RUNNING.canMoveTo(RunState.PREEMPTED)).isTrue();
    assertThat(RunState.PREEMPTED.canMoveTo(RunState.RETRYING)).isTrue();
    assertThat(RunState.RETRYING.canMoveTo(RunState.PROVISIONING)).isTrue();
    assertThat(RunState.RUNNING.canMoveTo(RunState.QUEUED)).isFalse();
    for (RunState terminal : List.of(RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED)) {
      assertThat(terminal.terminal()).isTrue();
      for (RunState next : RunState.values()) {
        assertThat(terminal.canMoveTo(next)).isFalse();
      }
    }
  }
}
