package dev.mlcp.platform.serving.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.GcpAdapters;
import dev.mlcp.platform.gcp.GcpSettings;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.instances.gcp.FakeComputeServing;
import dev.mlcp.platform.serving.ServingStack;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Compute Engine serving stack against the stateful Compute stand-in: a revision's five
 * resources, the URL map's weights with fingerprints, backend health, deletion in dependency order,
 * and clean-up of a half-built revision. Also prints the Compute calls a deploy and a GC make.
 */
class ComputeEngineStackTest {
  private WireMockServer wm;
  private FakeComputeServing fake;
  private ComputeEngineStack stack;

  @BeforeEach
  void start() {
    fake = new FakeComputeServing();
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(fake));
    wm.start();
    wm.stubFor(
        any(urlPathMatching("/compute/v1/.*"))
            .willReturn(aResponse().withTransformers(FakeComputeServing.NAME)));
    stack =
        new ComputeEngineStack(
            GcpAdapters.serving(
                new GcpSettings(
                    "proj",
                    "us-central1",
                    wm.baseUrl(),
                    null,
                    null,
                    null,
                    null,
                    "US",
                    new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)),
                    Duration.ofSeconds(30),
                    Duration.ofMillis(1),
                    true),
                Clock.systemUTC()),
            new ComputeEngineStack.Settings("img", 20, "serving@proj.iam", 5, "https://lb"));
  }

  @AfterEach
  void stop() {
    stack.close();
    wm.stop();
  }

  static ServingStack.RevisionSpec spec(String revision) {
    return new ServingStack.RevisionSpec(
        "churn",
        revision,
        "europe-docker.pkg.dev/p/r/server:1",
        "gs://reg/models/churn/versions/3/",
        "a".repeat(64),
        "e2-standard-2",
        2,
        4,
        0.6,
        "/healthz",
        8080,
        null,
        Map.of("LOG_LEVEL", "info"),
        Map.of("startup-script", "#!/bin/bash"),
        Map.of());
  }

  private List<String> calls() {
    List<String> out = new ArrayList<>();
    List<ServeEvent> events = new ArrayList<>(wm.getAllServeEvents());
    java.util.Collections.reverse(events);
    for (ServeEvent e : events) {
      String path = e.getRequest().getUrl().split("\\?")[0];
      String[] parts = path.split("/");
      String last = parts[parts.length - 1];
      String collection = parts.length >= 2 ? parts[parts.length - 2] : "";
      String what =
          path.contains("/operations/")
              ? "operations.get"
              : last.equals("getHealth")
                  ? "backendServices.getHealth"
                  : e.getRequest().getMethod().getName().equals("POST")
                      ? last + ".insert"
                      : e.getRequest().getMethod().getName().equals("GET")
                          ? collection + ".get"
                          : collection + "." + e.getRequest().getMethod().getName().toLowerCase();
      out.add(what);
    }
    return out;
  }

  private static Map<String, Long> tally(List<String> calls) {
    Map<String, Long> t = new TreeMap<>();
    calls.forEach(c -> t.merge(c, 1L, Long::sum));
    return t;
  }

  @Test
  void full_stack_create_weights_health_and_gc() {
    List<String> steps = new ArrayList<>();
    stack.ensureRevision(spec("r1"), steps::add);
    assertThat(steps)
        .containsExactly(
            "template-created",
            "health-check-created",
            "instance-group-created",
            "autoscaler-created",
            "backend-service-created");
    List<String> deployCalls = calls();
    assertThat(fake.counts())
        .containsEntry("instanceTemplates", 1)
        .containsEntry("healthChecks", 1)
        .containsEntry("instanceGroupManagers", 1)
        .containsEntry("autoscalers", 1)
        .containsEntry("backendServices", 1);

    ServingStack.RevisionHealth health = stack.revisionHealth("churn", "r1");
    assertThat(health.allHealthy()).isTrue();
    assertThat(health.instances()).isEqualTo(2);

    ServingStack.Traffic first = stack.setTraffic("churn", Map.of("r1", 100), null);
    assertThat(first.percents()).containsEntry("r1", 100);
    assertThat(first.url()).isEqualTo("https://lb");

    wm.resetRequests();
    stack.ensureRevision(spec("r2"), s -> {});
    List<String> secondDeploy = calls();
    Map<String, Integer> canary = new LinkedHashMap<>();
    canary.put("r1", 90);
    canary.put("r2", 10);
    wm.resetRequests();
    ServingStack.Traffic split =
        stack.setTraffic("churn", canary, stack.traffic("churn").fingerprint());
    List<String> shiftCalls = calls();
    assertThat(split.percents()).containsEntry("r1", 90).containsEntry("r2", 10);
    stack.setTraffic("churn", Map.of("r1", 0, "r2", 100), split.fingerprint());

    wm.resetRequests();
    List<String> deleted = new ArrayList<>();
    assertThat(stack.deleteRevision("churn", "r1", deleted::add)).isTrue();
    List<String> gcCalls = calls();
    assertThat(deleted)
        .containsExactly(
            "url-map-reference-removed",
            "backend-service-deleted",
            "autoscaler-deleted",
            "instance-group-deleted",
            "health-check-deleted",
            "template-deleted");
    assertThat(stack.traffic("churn").percents()).containsOnlyKeys("r2");
    assertThat(fake.counts()).containsEntry("instanceTemplates", 1).containsEntry("urlMaps", 1);
    assertThat(stack.deleteRevision("churn", "r1", s -> {})).isFalse();

    System.out.printf(
        "FIGURE compute calls: revision deploy %d %s; traffic step %d %s; GC of one revision %d"
            + " %s%n",
        secondDeploy.size(),
        tally(secondDeploy),
        shiftCalls.size(),
        tally(shiftCalls),
        gcCalls.size(),
        tally(gcCalls));
    assertThat(deployCalls.stream().filter(c -> c.endsWith(".insert")).count()).isEqualTo(5);
  }

  @Test
  void ensure_revision_twice_creates_nothing_twice() {
    stack.ensureRevision(spec("r1"), s -> {});
    List<String> again = new ArrayList<>();
    stack.ensureRevision(spec("r1"), again::add);
    assertThat(again).hasSize(5);
    assertThat(fake.counts().values()).allMatch(n -> n == 1);
  }

  @Test
  void stale_fingerprint_is_a_conflict() {
    stack.ensureRevision(spec("r1"), s -> {});
    stack.ensureRevision(spec("r2"), s -> {});
    ServingStack.Traffic t = stack.setTraffic("churn", Map.of("r1", 100), null);
    stack.setTraffic("churn", Map.of("r1", 50, "r2", 50), t.fingerprint());
    assertThatThrownBy(() -> stack.setTraffic("churn", Map.of("r2", 100), t.fingerprint()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
  }

  @Test
  void a_serving_revision_is_not_deleted() {
    stack.ensureRevision(spec("r1"), s -> {});
    stack.setTraffic("churn", Map.of("r1", 100), null);
    assertThatThrownBy(() -> stack.deleteRevision("churn", "r1", s -> {}))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(fake.counts()).containsEntry("backendServices", 1);
  }

  @Test
  void unhealthy_instances_are_reported() {
    stack.ensureRevision(spec("r1"), s -> {});
    fake.setUnhealthy("churn-r1-mig", true);
    ServingStack.RevisionHealth h = stack.revisionHealth("churn", "r1");
    assertThat(h.allHealthy()).isFalse();
    assertThat(h.detail()).contains("2 of 2 instances unhealthy");
    assertThat(stack.revisionHealth("churn", "r9").exists()).isFalse();
  }

  @Test
  void quota_error_mid_stack_deletes_the_partial_revision() {
    wm.stubFor(
        post(urlPathEqualTo("/compute/v1/projects/proj/regions/us-central1/autoscalers"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"name\":\"op-q\",\"status\":\"DONE\",\"httpErrorStatusCode\":403,"
                            + "\"error\":{\"errors\":[{\"code\":\"QUOTA_EXCEEDED\",\"message\":"
                            + "\"Quota 'AUTOSCALERS' exceeded. Limit: 0.0 in region"
                            + " us-central1.\"}]}}")));
    List<String> steps = new ArrayList<>();
    assertThatThrownBy(() -> stack.ensureRevision(spec("r1"), steps::add))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.QUOTA_EXCEEDED));
    assertThat(steps)
        .containsExactly("template-created", "health-check-created", "instance-group-created");
    assertThat(fake.counts()).isEmpty();
  }
}
