package dev.mlcp.training.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import dev.mlcp.training.inputs.InputGrants;
import dev.mlcp.training.inputs.InputRejectedException;
import dev.mlcp.training.inputs.InputResolver;
import dev.mlcp.training.inputs.ModelRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs resolved at submit become the run's plan and the VM's {@code mlcp-input-plan}. */
class SubmitInputsTest {
  static final String SHA = "e".repeat(64);

  @TempDir Path dir;

  RunService service(LifecycleFixture f) {
    ModelRegistry.ModelVersion v7 =
        new ModelRegistry.ModelVersion(
            "iris",
            7,
            "gs://registry-bucket/models/iris/7/",
            SHA,
            List.of(new ModelRegistry.ModelFile("model.json", "f".repeat(64), 10)));
    ModelRegistry registry =
        new ModelRegistry() {
          @Override
          public Optional<ModelVersion> byAlias(String model, String alias) {
            return alias.equals("champion") ? Optional.of(v7) : Optional.empty();
          }

          @Override
          public Optional<ModelVersion> byNumber(String model, int version) {
            return Optional.empty();
          }
        };
    InputResolver resolver =
        new InputResolver(
            new InputResolver.Settings(1 << 30, "mlcp-test", Duration.ofSeconds(10), 100),
            registry,
            new DuckDbWarehouse(dir.resolve("w.duckdb")),
            (OperationalData) null,
            new InputGrants(List.of()),
            e -> false);
    return new RunService(
        f.runs,
        f.instances,
        f.plan,
        f.relay,
        f.store,
        new CloudEventCodec(f.json),
        new UlidIdGenerator(f.clock, new SecureRandom()),
        f.clock,
        3,
        PreemptionPolicy.RETRY,
        new SubmitPolicy(
            new SubmitPolicy.Limits(20, 16, List.of()), f.secrets, e -> false, f.runs, f.plan),
        resolver);
  }

  @Test
  void a_registry_alias_is_resolved_at_submit_stored_with_the_run_and_given_to_the_vm()
      throws Exception {
    LifecycleFixture f = new LifecycleFixture(dir);
    RunService service = service(f);

    Run run =
        service.submit(
            LifecycleFixture.OWNER,
            RunSpec.of("evaluate", LifecycleFixture.IMAGE)
                .withInputs(List.of("models:/iris@champion", "gs://data-bucket/eval/")),
            null,
            null);

    Run stored = f.runs.find(run.id()).orElseThrow();
    assertThat(stored.inputPlan()).hasSize(2);
    assertThat(stored.inputPlan().get(0).uri()).isEqualTo("gs://registry-bucket/models/iris/7/");
    InstanceSpec vm = f.instances.specs.values().iterator().next();
    JsonNode plan = f.json.readTree(vm.metadata().get(InstancePlan.INPUT_PLAN));
    assertThat(plan.get(0).path("sha256").asText()).isEqualTo(SHA);
    assertThat(plan.get(0).path("files").get(0).path("path").asText()).isEqualTo("model.json");
    assertThat(plan.get(1).path("kind").asText()).isEqualTo("gcs");
    assertThat(plan.get(1).has("files")).isFalse();
    assertThat(vm.metadata().get("mlcp-inputs"))
        .isEqualTo("[\"models:/iris@champion\",\"gs://data-bucket/eval/\"]");
  }

  @Test
  void a_refused_input_creates_neither_a_run_nor_a_vm() {
    LifecycleFixture f = new LifecycleFixture(dir);
    RunService service = service(f);

    assertThatThrownBy(
            () ->
                service.submit(
                    LifecycleFixture.OWNER,
                    RunSpec.of("evaluate", LifecycleFixture.IMAGE)
                        .withInputs(List.of("bq://mlcp-test?query=DELETE FROM d.t WHERE true")),
                    null,
                    null))
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("spec.inputs[0]");
    assertThat(f.instances.specs).isEmpty();
    assertThat(f.runs.activeIdsOf(LifecycleFixture.OWNER)).isEmpty();
  }

  @Test
  void runs_without_inputs_carry_no_plan_in_their_vm_metadata() {
    LifecycleFixture f = new LifecycleFixture(dir);
    service(f)
        .submit(LifecycleFixture.OWNER, RunSpec.of("plain", LifecycleFixture.IMAGE), null, null);

    assertThat(f.instances.specs.values().iterator().next().metadata())
        .doesNotContainKey(InstancePlan.INPUT_PLAN);
  }
}
