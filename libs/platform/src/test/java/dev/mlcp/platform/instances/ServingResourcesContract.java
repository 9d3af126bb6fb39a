package dev.mlcp.platform.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.ServingResources.AutoscalerSpec;
import dev.mlcp.platform.instances.ServingResources.BackendServiceSpec;
import dev.mlcp.platform.instances.ServingResources.GroupSpec;
import dev.mlcp.platform.instances.ServingResources.HealthCheckSpec;
import dev.mlcp.platform.instances.ServingResources.TemplateSpec;
import dev.mlcp.platform.instances.ServingResources.UrlMap;
import dev.mlcp.platform.instances.ServingResources.WeightedBackend;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link ServingResources} adapter must have, starting empty. */
public abstract class ServingResourcesContract {

  /** The adapter under test. */
  protected abstract ServingResources serving();

  private static PlatformException.Kind kindOf(Runnable call) {
    try {
      call.run();
    } catch (PlatformException e) {
      return e.kind();
    }
    throw new AssertionError("expected a PlatformException");
  }

  /** Template, health check, group, autoscaler and backend service named after {@code v}. */
  protected void stack(String v) {
    serving()
        .createTemplate(
            new TemplateSpec(
                "tpl-" + v,
                "e2-standard-2",
                List.of(),
                new BootDisk("projects/cos-cloud/global/images/family/cos-stable", 20, null),
                Map.of("mlcp-model", "m"),
                Map.of("startup-script", "#!/bin/bash"),
                null));
    serving().createHealthCheck(new HealthCheckSpec("hc-" + v, 8080, "/healthz", 10));
    serving()
        .createGroup(new GroupSpec("mig-" + v, "tpl-" + v, "srv-" + v, 2, "http", 8080, "hc-" + v));
    serving().createAutoscaler(new AutoscalerSpec("as-" + v, "mig-" + v, 1, 4, 0.6));
    serving()
        .createBackendService(
            new BackendServiceSpec("bs-" + v, "hc-" + v, "http", List.of("mig-" + v)));
  }

  @Test
  void a_full_stack_is_created_and_the_group_reports_its_template_and_size() {
    stack("v1");

    assertThat(serving().getGroup("mig-v1"))
        .get()
        .satisfies(
            g -> {
              assertThat(g.template()).isEqualTo("tpl-v1");
              assertThat(g.targetSize()).isEqualTo(2);
            });
    assertThat(serving().getGroup("mig-none")).isEmpty();
  }

  @Test
  void url_map_update_needs_the_current_fingerprint() {
    stack("v1");
    stack("v2");
    UrlMap created = serving().createUrlMap("model-lb", List.of(new WeightedBackend("bs-v1", 100)));

    UrlMap read = serving().getUrlMap("model-lb").orElseThrow();
    UrlMap canary =
        serving()
            .updateUrlMap(
                "model-lb",
                List.of(new WeightedBackend("bs-v1", 90), new WeightedBackend("bs-v2", 10)),
                read.fingerprint());

    assertThat(read.fingerprint()).isEqualTo(created.fingerprint());
    assertThat(canary.fingerprint()).isNotEqualTo(read.fingerprint());
    assertThat(serving().getUrlMap("model-lb").orElseThrow().backends())
        .containsExactly(new WeightedBackend("bs-v1", 90), new WeightedBackend("bs-v2", 10));
    assertThat(
            kindOf(
                () ->
                    serving()
                        .updateUrlMap(
                            "model-lb",
                            List.of(new WeightedBackend("bs-v2", 100)),
                            read.fingerprint())))
        .isEqualTo(PlatformException.Kind.CONFLICT);
  }

  @Test
  void creating_a_resource_twice_is_already_exists() {
    serving().createHealthCheck(new HealthCheckSpec("hc-dup", 8080, "/healthz", 10));

    assertThat(
            kindOf(
                () ->
                    serving()
                        .createHealthCheck(new HealthCheckSpec("hc-dup", 8080, "/healthz", 10))))
        .isEqualTo(PlatformException.Kind.ALREADY_EXISTS);
  }

  @Test
  void a_resource_in_use_cannot_be_deleted_until_its_users_are() {
    stack("v1");
    serving().createUrlMap("lb", List.of(new WeightedBackend("bs-v1", 100)));

    assertThat(kindOf(() -> serving().deleteBackendService("bs-v1")))
        .isEqualTo(PlatformException.Kind.CONFLICT);

    assertThat(serving().deleteUrlMap("lb")).isTrue();
    assertThat(serving().deleteBackendService("bs-v1")).isTrue();
    assertThat(serving().deleteAutoscaler("as-v1")).isTrue();
    assertThat(serving().deleteGroup("mig-v1")).isTrue();
    assertThat(serving().deleteTemplate("tpl-v1")).isTrue();
    assertThat(serving().deleteHealthCheck("hc-v1")).isTrue();
    assertThat(serving().deleteHealthCheck("hc-v1")).isFalse();
  }

  @Test
  void a_group_on_a_missing_template_is_not_found() {
    assertThatThrownBy(
            () ->
                serving()
                    .createGroup(
                        new GroupSpec("mig-x", "tpl-missing", "srv", 1, "http", 8080, null)))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }
}
