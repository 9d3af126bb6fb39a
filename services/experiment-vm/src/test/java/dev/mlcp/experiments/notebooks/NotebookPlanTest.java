package dev.mlcp.experiments.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.instances.InstanceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The VM a notebook gets: the agent in notebook mode, guest attributes, labels, hard limit. */
class NotebookPlanTest {
  private static final Instant T0 = Instant.parse("2026-05-04T08:00:00Z");
  private final NotebookPlan plan =
      new NotebookPlan(
          new NotebookPlan.Settings(
              8080, Duration.ofMillis(1500), "notebooks@p.iam.gserviceaccount.com", "#!agent"));

  private static Experiment experiment(String machine, String gpu, int count) {
    return Experiment.provisioning(
        "exp-01hx0000000000000000000000",
        "ana-gpu",
        "Ana.Lopez@Example.com",
        new VmShape(
            machine,
            gpu,
            count,
            200,
            "projects/deeplearning-platform-release/global/images/family/f",
            true,
            true),
        List.of("europe-west4-b", "europe-west4-a"),
        Duration.ofHours(8),
        Duration.ofHours(1),
        Duration.ofHours(24),
        T0);
  }

  @Test
  void the_vm_runs_the_agent_in_notebook_mode_with_guest_attributes_on() {
    InstanceSpec spec = plan.instanceFor(experiment("n1-standard-8", "nvidia-tesla-t4", 2));

    assertThat(spec.name()).isEqualTo("nb-ana-gpu");
    assertThat(spec.zones()).containsExactly("europe-west4-b", "europe-west4-a");
    assertThat(spec.metadata())
        .containsEntry("mlcp-mode", "notebook")
        .containsEntry("mlcp-experiment", "ana-gpu")
        .containsEntry("mlcp-jupyter-port", "8080")
        .containsEntry("mlcp-heartbeat-seconds", "1.500")
        .containsEntry("enable-guest-attributes", "TRUE")
        .containsEntry("install-nvidia-driver", "True")
        .containsEntry("startup-script", "#!agent");
    assertThat(spec.guestAttributesEnabled()).isTrue();
    assertThat(spec.labels())
        .containsEntry("mlcp-experiment", "ana-gpu")
        .containsEntry("mlcp-experiment-id", "exp-01hx0000000000000000000000");
    assertThat(spec.accelerators())
        .singleElement()
        .satisfies(a -> assertThat(a.count()).isEqualTo(2));
    assertThat(spec.bootDisk().sizeGb()).isEqualTo(200);
    assertThat(spec.spot()).isTrue();
    assertThat(spec.externalIp()).isTrue();
    assertThat(spec.serviceAccount().email()).isEqualTo("notebooks@p.iam.gserviceaccount.com");
  }

  @Test
  void max_run_duration_is_the_admins_max_ttl_the_hard_backstop() {
    InstanceSpec spec = plan.instanceFor(experiment("n1-standard-4", null, 0));

    assertThat(spec.maxRunDuration()).isEqualTo(Duration.ofHours(24));
    assertThat(spec.accelerators()).isEmpty();
    assertThat(spec.metadata()).doesNotContainKey("install-nvidia-driver");
  }

  @Test
  void accelerator_optimized_machines_bring_their_own_gpus() {
    InstanceSpec spec = plan.instanceFor(experiment("g2-standard-8", "nvidia-l4", 1));

    assertThat(spec.accelerators()).isEmpty();
    assertThat(spec.metadata()).containsEntry("install-nvidia-driver", "True");
  }
}
