package dev.mlcp.experiments.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every validation rule and every cap, each refused naming the field (and the cap). */
class NotebookPolicyTest {
  private final NotebookPolicy policy =
      new NotebookPolicy(
          NotebookFixture.caps(),
          new NotebookPolicy.Defaults(
              List.of("europe-west4-a"),
              "n1-standard-4",
              "projects/deeplearning-platform-release/global/images/family/common-cpu-notebooks",
              "projects/deeplearning-platform-release/global/images/family/common-cu124-notebooks",
              100,
              false));

  private static ExperimentRequest request(
      String name,
      String machineType,
      String acceleratorType,
      Integer acceleratorCount,
      Integer diskGb,
      String image,
      List<String> zones,
      Boolean externalIp,
      Duration ttl,
      Duration idle) {
    return new ExperimentRequest(
        name,
        machineType,
        acceleratorType,
        acceleratorCount,
        diskGb,
        image,
        zones,
        null,
        externalIp,
        ttl,
        idle);
  }

  private static ExperimentRequest named(String name) {
    return NotebookFixture.named(name);
  }

  private void invalid(ExperimentRequest request, String field, String message) {
    assertThatThrownBy(() -> policy.resolve(request))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).contains(message);
            });
  }

  private void overCap(ExperimentRequest request, String field, String cap) {
    assertThatThrownBy(() -> policy.resolve(request))
        .isInstanceOfSatisfying(
            CapExceededException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).contains(cap);
            });
  }

  @Test
  void defaults_fill_what_the_request_leaves_out() {
    NotebookPolicy.Resolved r = policy.resolve(named("ana-churn"));

    assertThat(r.shape().machineType()).isEqualTo("n1-standard-4");
    assertThat(r.shape().diskGb()).isEqualTo(100);
    assertThat(r.shape().imageFamily()).endsWith("common-cpu-notebooks");
    assertThat(r.zones()).containsExactly("europe-west4-a");
    assertThat(r.ttl()).isEqualTo(Duration.ofHours(8));
    assertThat(r.idleTimeout()).isEqualTo(Duration.ofMinutes(60));
    assertThat(r.shape().externalIp()).isFalse();
  }

  @Test
  void a_gpu_request_gets_the_gpu_image_and_one_gpu_by_default() {
    NotebookPolicy.Resolved r =
        policy.resolve(
            request(
                "gpu",
                "n1-standard-8",
                "nvidia-tesla-t4",
                null,
                null,
                null,
                null,
                null,
                null,
                null));

    assertThat(r.shape().acceleratorCount()).isEqualTo(1);
    assertThat(r.shape().imageFamily()).endsWith("common-cu124-notebooks");
  }

  @Test
  void names_follow_gce_rules_short_enough_for_the_vm_prefix() {
    invalid(named("Ana"), "name", "lowercase");
    invalid(named("-ana"), "name", "starting with a letter");
    invalid(named("ana-"), "name", "not ending with a hyphen");
    invalid(named("a".repeat(61)), "name", "1-60");
    invalid(named(null), "name", "1-60");
    assertThat(policy.resolve(named("a".repeat(60))).name()).hasSize(60);
  }

  @Test
  void machine_types_and_images_must_look_like_gce_ones() {
    invalid(
        request("x", "N1_STANDARD", null, null, null, null, null, null, null, null),
        "machineType",
        "machine type");
    invalid(
        request("x", null, null, null, null, "https://evil.example/image", null, null, null, null),
        "imageFamily",
        "projects/PROJECT/global/images/family/FAMILY");
  }

  @Test
  void accelerators_need_a_type_an_allowed_one_a_gce_count_and_the_right_family() {
    invalid(
        request("x", null, null, 2, null, null, null, null, null, null),
        "acceleratorType",
        "required");
    overCap(
        request("x", null, "nvidia-tesla-v100", 1, null, null, null, null, null, null),
        "acceleratorType",
        "mlcp.experiments.caps.allowed-accelerators = [nvidia-tesla-t4, nvidia-l4]");
    invalid(
        request("x", null, "nvidia-tesla-t4", 3, null, null, null, null, null, null),
        "acceleratorCount",
        "1, 2, 4, 8 or 16");
    overCap(
        request("x", null, "nvidia-tesla-t4", 8, null, null, null, null, null, null),
        "acceleratorCount",
        "mlcp.experiments.caps.max-accelerator-count = 4");
    invalid(
        request("x", "e2-standard-4", "nvidia-tesla-t4", 1, null, null, null, null, null, null),
        "machineType",
        "attach to n1 machine types");
    invalid(
        request("x", "n1-standard-8", "nvidia-l4", 1, null, null, null, null, null, null),
        "machineType",
        "attach to g2 machine types");
  }

  @Test
  void disks_must_be_big_enough_and_within_the_cap() {
    invalid(
        request("x", null, null, null, 5, null, null, null, null, null), "diskGb", "at least 10");
    overCap(
        request("x", null, null, null, 600, null, null, null, null, null),
        "diskGb",
        "mlcp.experiments.caps.max-disk-gb = 500");
  }

  @Test
  void zones_are_gce_names_without_repeats_and_few() {
    invalid(
        request("x", null, null, null, null, null, List.of("Europe_West4"), null, null, null),
        "zones[0]",
        "zone");
    invalid(
        request(
            "x",
            null,
            null,
            null,
            null,
            null,
            List.of("europe-west4-a", "europe-west4-a"),
            null,
            null,
            null),
        "zones",
        "repeat");
    invalid(
        request("x", null, null, null, null, null, Collections.nCopies(11, "z"), null, null, null),
        "zones",
        "at most 10");
  }

  @Test
  void ttl_is_at_least_ten_minutes_and_at_most_the_cap() {
    invalid(
        request("x", null, null, null, null, null, null, null, Duration.ofMinutes(5), null),
        "ttl",
        "PT10M");
    overCap(
        request("x", null, null, null, null, null, null, null, Duration.ofHours(25), null),
        "ttl",
        "mlcp.experiments.caps.max-ttl = PT24H");
  }

  @Test
  void idle_timeout_lies_between_the_caps() {
    overCap(
        request("x", null, null, null, null, null, null, null, null, Duration.ofMinutes(5)),
        "idleTimeout",
        "mlcp.experiments.caps.min-idle-timeout = PT10M");
    overCap(
        request("x", null, null, null, null, null, null, null, null, Duration.ofHours(5)),
        "idleTimeout",
        "mlcp.experiments.caps.max-idle-timeout = PT4H");
  }

  @Test
  void an_external_ip_is_refused_when_the_admin_forbids_it() {
    NotebookPolicy.Caps base = NotebookFixture.caps();
    NotebookPolicy strict =
        new NotebookPolicy(
            new NotebookPolicy.Caps(
                base.defaultTtl(),
                base.maxTtl(),
                base.defaultIdleTimeout(),
                base.minIdleTimeout(),
                base.maxIdleTimeout(),
                base.allowedAccelerators(),
                base.maxAcceleratorCount(),
                base.maxConcurrentPerOwner(),
                base.maxDiskGb(),
                false),
            new NotebookPolicy.Defaults(
                List.of("z-a"),
                "n1-standard-4",
                "projects/p1234/global/images/i",
                "projects/p1234/global/images/g",
                50,
                false));

    assertThatThrownBy(
            () ->
                strict.resolve(request("x", null, null, null, null, null, null, true, null, null)))
        .isInstanceOfSatisfying(
            CapExceededException.class,
            e ->
                assertThat(e.getMessage())
                    .contains("mlcp.experiments.caps.allow-external-ip = false"));
  }
}
