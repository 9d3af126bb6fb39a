package dev.mlcp.platform.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Instances} adapter must have, starting with no instances. */
public abstract class InstancesContract {

  /** The adapter under test. */
  protected abstract Instances instances();

  /** The zone the adapter creates instances in. */
  protected String zone() {
    return "us-central1-a";
  }

  /** A training-VM spec like the one training-runner builds. */
  protected InstanceSpec spec(String name, Map<String, String> labels) {
    return new InstanceSpec(
        name,
        List.of(zone()),
        "e2-standard-4",
        List.of(),
        new BootDisk("projects/cos-cloud/global/images/family/cos-stable", 50, "pd-balanced"),
        true,
        labels,
        Map.of("mlcp-run-id", name, "startup-script", "#!/bin/bash\necho hi\n"),
        new ServiceAccount(
            "training-vm@p.iam.gserviceaccount.com",
            List.of("https://www.googleapis.com/auth/cloud-platform")),
        Duration.ofHours(2),
        false);
  }

  /** A notebook-VM spec: on demand, guest attributes on. */
  protected InstanceSpec notebookSpec(String name) {
    InstanceSpec base = spec(name, Map.of("mlcp-experiment", name));
    Map<String, String> metadata = new HashMap<>(base.metadata());
    metadata.put(InstanceSpec.ENABLE_GUEST_ATTRIBUTES, "TRUE");
    return new InstanceSpec(
        base.name(),
        base.zones(),
        base.machineType(),
        base.accelerators(),
        base.bootDisk(),
        false,
        base.labels(),
        metadata,
        base.serviceAccount(),
        Duration.ofHours(8),
        true);
  }

  /**
   * Writes guest attribute {@code namespace/key} as the VM {@code name} itself does: through its
   * metadata server (locally) or by the fake's hand (the Compute API has no write).
   */
  protected abstract void writeGuestAttribute(
      String name, String namespace, String key, String value) throws Exception;

  /** Waits up to 20 s for {@code condition}. */
  protected static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(condition.getAsBoolean()).as("condition within 20 s").isTrue();
  }

  private InstanceStatus status(String name) {
    return instances().get(zone(), name).map(Instance::status).orElse(null);
  }

  @Test
  void stopped_instance_is_terminated_keeps_its_name_and_starts_again() throws Exception {
    instances().create(notebookSpec("nb-stop"));

    assertThat(instances().stop(zone(), "nb-stop")).isTrue();
    await(() -> status("nb-stop") == InstanceStatus.TERMINATED);
    assertThat(instances().get(zone(), "nb-stop"))
        .get()
        .extracting(Instance::name)
        .isEqualTo("nb-stop");

    assertThat(instances().start(zone(), "nb-stop", Duration.ofHours(2))).isTrue();
    await(() -> status("nb-stop") == InstanceStatus.RUNNING);
  }

  @Test
  void stop_and_start_of_an_unknown_instance_report_it_gone() {
    assertThat(instances().stop(zone(), "ghost")).isFalse();
    assertThat(instances().start(zone(), "ghost", null)).isFalse();
  }

  @Test
  void guest_attributes_written_by_the_vm_are_read_by_namespace() throws Exception {
    instances().create(notebookSpec("nb-guest"));

    writeGuestAttribute("nb-guest", "mlcp", "heartbeat", "{\"busyKernels\":1}");
    writeGuestAttribute("nb-guest", "mlcp", "jupyter-port", "8080");
    writeGuestAttribute("nb-guest", "other", "key", "value");

    assertThat(instances().guestAttributes(zone(), "nb-guest", "mlcp"))
        .containsOnly(
            Map.entry("heartbeat", "{\"busyKernels\":1}"), Map.entry("jupyter-port", "8080"));
  }

  @Test
  void guest_attributes_of_a_silent_or_unknown_instance_are_empty() {
    instances().create(notebookSpec("nb-silent"));

    assertThat(instances().guestAttributes(zone(), "nb-silent", "mlcp")).isEmpty();
    assertThat(instances().guestAttributes(zone(), "ghost", "mlcp")).isEmpty();
  }

  @Test
  void created_instance_is_running_with_its_labels() {
    Instance created =
        instances().create(spec("run-01", Map.of("mlcp-run", "run-01", "mlcp-owner", "alice")));

    assertThat(created.name()).isEqualTo("run-01");
    assertThat(created.zone()).isEqualTo(zone());
    assertThat(instances().get(zone(), "run-01"))
        .get()
        .satisfies(
            i -> {
              assertThat(i.status()).isEqualTo(InstanceStatus.RUNNING);
              assertThat(i.labels())
                  .containsEntry("mlcp-run", "run-01")
                  .containsEntry("mlcp-owner", "alice");
              assertThat(i.networkIp()).isNotBlank();
            });
  }

  @Test
  void get_of_an_unknown_instance_is_empty() {
    assertThat(instances().get(zone(), "no-such-vm")).isEmpty();
  }

  @Test
  void list_filters_by_label_presence_and_value() {
    instances().create(spec("run-a", Map.of("mlcp-run", "run-a", "mlcp-owner", "alice")));
    instances().create(spec("run-b", Map.of("mlcp-run", "run-b", "mlcp-owner", "bob")));
    instances().create(spec("notebook-c", Map.of("mlcp-owner", "alice")));

    assertThat(instances().listAll(InstanceFilter.hasLabel("mlcp-run")).map(Instance::name))
        .containsExactlyInAnyOrder("run-a", "run-b");
    assertThat(
            instances()
                .listAll(InstanceFilter.hasLabel("mlcp-run").andLabelEquals("mlcp-owner", "alice"))
                .map(Instance::name))
        .containsExactly("run-a");
    assertThat(instances().listAll(InstanceFilter.all()).count()).isEqualTo(3);
  }

  @Test
  void list_pages_through_every_match() {
    for (int i = 0; i < 5; i++) {
      instances().create(spec("vm-" + i, Map.of("mlcp-run", "vm-" + i)));
    }
    int pages = 0;
    int seen = 0;
    String token = null;
    do {
      var page = instances().list(InstanceFilter.hasLabel("mlcp-run"), 2, token);
      seen += page.items().size();
      token = page.nextPageToken();
      pages++;
    } while (token != null);

    assertThat(seen).isEqualTo(5);
    assertThat(pages).isGreaterThanOrEqualTo(3);
  }

  @Test
  void delete_removes_the_instance_and_a_second_delete_reports_already_gone() {
    instances().create(spec("run-del", Map.of("mlcp-run", "run-del")));

    assertThat(instances().delete(zone(), "run-del")).isTrue();
    assertThat(instances().get(zone(), "run-del")).isEmpty();
    assertThat(instances().delete(zone(), "run-del")).isFalse();
  }

  @Test
  void creating_an_existing_name_is_already_exists() {
    instances().create(spec("run-dup", Map.of()));

    assertThatThrownBy(() -> instances().create(spec("run-dup", Map.of())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e ->
                assertThat(e.kind())
                    .as(e.toString() + " / " + e.getCause())
                    .isEqualTo(PlatformException.Kind.ALREADY_EXISTS));
  }

  @Test
  void reset_of_an_unknown_instance_is_not_found() {
    assertThatThrownBy(() -> instances().reset(zone(), "ghost"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }
}
