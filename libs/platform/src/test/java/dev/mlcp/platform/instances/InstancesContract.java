package dev.mlcp.platform.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
