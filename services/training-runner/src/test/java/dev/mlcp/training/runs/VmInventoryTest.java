package dev.mlcp.training.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmInventoryTest {
  @TempDir Path dir;
  LifecycleFixture f;
  VmInventory inventory;

  @BeforeEach
  void setUp() {
    f = new LifecycleFixture(dir);
    inventory = new VmInventory(f.instances, f.runs, f.clock);
  }

  @Test
  void the_vm_of_a_running_run_is_owned_and_costs_its_age() {
    Run run = f.submit(ReconcilerTest.spec(3600, false, null));
    Instance created = f.instances.vms.get(run.instance());
    // The fake stamps creation with the wall clock; the fixture's clock is the one that counts.
    f.instances.vms.put(
        run.instance(),
        new Instance(
            created.name(),
            created.zone(),
            created.status(),
            created.machineType(),
            created.spot(),
            created.labels(),
            null,
            null,
            f.clock.instant()));
    f.clock.advance(Duration.ofMinutes(30));

    VmInventory.Page page = inventory.list(100, null);

    assertThat(page.vms()).hasSize(1);
    VmInventory.TrainingVm vm = page.vms().get(0);
    assertThat(vm.name()).isEqualTo(run.instance());
    assertThat(vm.runId()).isEqualTo(run.id());
    assertThat(vm.runState()).isEqualTo("RUNNING");
    assertThat(vm.owner()).isEqualTo(LifecycleFixture.OWNER);
    assertThat(vm.deadline()).isEqualTo(run.deadline());
    assertThat(vm.ownerLive()).isTrue();
    assertThat(vm.why()).isNull();
    assertThat(vm.costSoFarUsd()).isPositive();
  }

  @Test
  void vms_of_an_ended_run_or_of_no_run_are_not_owned_and_say_why() {
    Run run = f.submit(ReconcilerTest.spec(0, false, null));
    f.service.complete(f.completion(run, 0));
    f.instances.vms.put("leaked", vm("leaked", run.id()));
    f.instances.vms.put("orphan", vm("orphan", "run-00000000000000000000000000"));

    Map<String, VmInventory.TrainingVm> byName = new java.util.HashMap<>();
    inventory.list(100, null).vms().forEach(v -> byName.put(v.name(), v));

    assertThat(byName.get("leaked").ownerLive()).isFalse();
    assertThat(byName.get("leaked").why()).isEqualTo("run succeeded");
    assertThat(byName.get("leaked").owner()).isEqualTo(LifecycleFixture.OWNER);
    assertThat(byName.get("orphan").ownerLive()).isFalse();
    assertThat(byName.get("orphan").why()).isEqualTo("no such run");
    assertThat(byName.get("orphan").runState()).isNull();
  }

  @Test
  void a_vm_past_its_runs_deadline_is_not_owned() {
    Run run = f.submit(ReconcilerTest.spec(600, false, null));
    f.clock.advance(Duration.ofMinutes(11));

    VmInventory.TrainingVm vm = inventory.list(100, null).vms().get(0);

    assertThat(vm.name()).isEqualTo(run.instance());
    assertThat(vm.ownerLive()).isFalse();
    assertThat(vm.why()).isEqualTo("past the run's deadline");
  }

  private Instance vm(String name, String runId) {
    return new Instance(
        name,
        "europe-west4-a",
        InstanceStatus.RUNNING,
        "n1-standard-4",
        false,
        Map.of("mlcp-run", runId),
        null,
        null,
        f.clock.instant().minus(Duration.ofHours(1)));
  }
}
