package dev.mlcp.platform.instances.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.GcpAdapters;
import dev.mlcp.platform.gcp.GcpSettings;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.instances.BootDisk;
import dev.mlcp.platform.instances.ServingResources;
import dev.mlcp.platform.instances.ServingResources.AutoscalerSpec;
import dev.mlcp.platform.instances.ServingResources.BackendServiceSpec;
import dev.mlcp.platform.instances.ServingResources.GroupSpec;
import dev.mlcp.platform.instances.ServingResources.HealthCheckSpec;
import dev.mlcp.platform.instances.ServingResources.TemplateSpec;
import dev.mlcp.platform.instances.ServingResources.WeightedBackend;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Compute REST protocol of the serving adapter, against WireMock stubs. */
class ComputeEngineServingTest {

  private static final String G = "/compute/v1/projects/proj/global";
  private static final String R = "/compute/v1/projects/proj/regions/us-central1";

  private WireMockServer wm;
  private ServingResources serving;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    serving =
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
            Clock.systemUTC());
    // Every mutation answers a pending operation that is DONE on its first poll.
    wm.stubFor(
        post(urlPathMatching("/compute/v1/projects/proj/.*"))
            .atPriority(10)
            .willReturn(json("{\"name\":\"op-1\",\"status\":\"PENDING\"}")));
    wm.stubFor(
        delete(urlPathMatching("/compute/v1/projects/proj/.*"))
            .atPriority(10)
            .willReturn(json("{\"name\":\"op-1\",\"status\":\"PENDING\"}")));
    wm.stubFor(
        get(urlPathEqualTo(G + "/operations/op-1"))
            .willReturn(json("{\"name\":\"op-1\",\"status\":\"DONE\"}")));
    wm.stubFor(
        get(urlPathEqualTo(R + "/operations/op-1"))
            .willReturn(json("{\"name\":\"op-1\",\"status\":\"DONE\"}")));
  }

  @AfterEach
  void stop() {
    serving.close();
    wm.stop();
  }

  private static ResponseDefinitionBuilder json(String body) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(body);
  }

  private static ResponseDefinitionBuilder error(int status, String reason, String message) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(
            "{\"error\":{\"code\":"
                + status
                + ",\"message\":\""
                + message
                + "\",\"errors\":[{\"reason\":\""
                + reason
                + "\",\"message\":\""
                + message
                + "\"}]}}");
  }

  @Test
  void a_serving_stack_is_created_with_references_and_its_operations_awaited() {
    serving.createTemplate(
        new TemplateSpec(
            "tpl-v1",
            "e2-standard-2",
            List.of(),
            new BootDisk("projects/cos-cloud/global/images/family/cos-stable", 20, null),
            Map.of("mlcp-model", "m"),
            Map.of("startup-script", "run"),
            null));
    serving.createHealthCheck(new HealthCheckSpec("hc-v1", 8080, "/healthz", 10));
    serving.createGroup(new GroupSpec("mig-v1", "tpl-v1", "srv-v1", 2, "http", 8080, "hc-v1"));
    serving.createAutoscaler(new AutoscalerSpec("as-v1", "mig-v1", 1, 4, 0.6));
    serving.createBackendService(
        new BackendServiceSpec("bs-v1", "hc-v1", "http", List.of("mig-v1")));

    wm.verify(
        postRequestedFor(urlPathEqualTo(G + "/instanceTemplates"))
            .withRequestBody(matchingJsonPath("$.properties.machineType", equalTo("e2-standard-2")))
            .withRequestBody(matchingJsonPath("$.properties.labels.mlcp-model", equalTo("m"))));
    wm.verify(
        postRequestedFor(urlPathEqualTo(R + "/instanceGroupManagers"))
            .withQueryParam(
                "requestId", com.github.tomakehurst.wiremock.client.WireMock.matching(".{36}"))
            .withRequestBody(
                matchingJsonPath("$.instanceTemplate", equalTo("global/instanceTemplates/tpl-v1")))
            .withRequestBody(matchingJsonPath("$.targetSize", equalTo("2")))
            .withRequestBody(matchingJsonPath("$.namedPorts[0].port", equalTo("8080")))
            .withRequestBody(
                matchingJsonPath(
                    "$.autoHealingPolicies[0].healthCheck", equalTo("global/healthChecks/hc-v1"))));
    wm.verify(
        postRequestedFor(urlPathEqualTo(R + "/autoscalers"))
            .withRequestBody(
                matchingJsonPath(
                    "$.target", equalTo("regions/us-central1/instanceGroupManagers/mig-v1")))
            .withRequestBody(matchingJsonPath("$.autoscalingPolicy.maxNumReplicas", equalTo("4"))));
    wm.verify(
        postRequestedFor(urlPathEqualTo(G + "/backendServices"))
            .withRequestBody(
                matchingJsonPath(
                    "$.backends[0].group", equalTo("regions/us-central1/instanceGroups/mig-v1")))
            .withRequestBody(
                matchingJsonPath("$.healthChecks[0]", equalTo("global/healthChecks/hc-v1"))));
    wm.verify(3, getRequestedFor(urlPathEqualTo(G + "/operations/op-1")));
    wm.verify(2, getRequestedFor(urlPathEqualTo(R + "/operations/op-1")));
  }

  @Test
  void url_map_update_sends_the_callers_fingerprint_and_a_stale_one_is_a_conflict() {
    wm.stubFor(
        get(urlPathEqualTo(G + "/urlMaps/lb"))
            .willReturn(
                json(
                    "{\"name\":\"lb\",\"fingerprint\":\"fp-2\",\"defaultRouteAction\":{\"weightedBackendServices\":[{\"backendService\":\"https://x/global/backendServices/bs-v1\",\"weight\":100}]}}")));
    wm.stubFor(
        put(urlPathEqualTo(G + "/urlMaps/lb"))
            .willReturn(error(412, "conditionNotMet", "Precondition Failed")));

    assertThat(serving.getUrlMap("lb"))
        .get()
        .satisfies(
            m -> {
              assertThat(m.fingerprint()).isEqualTo("fp-2");
              assertThat(m.backends()).containsExactly(new WeightedBackend("bs-v1", 100));
            });
    assertThatThrownBy(
            () ->
                serving.updateUrlMap(
                    "lb",
                    List.of(new WeightedBackend("bs-v1", 90), new WeightedBackend("bs-v2", 10)),
                    "fp-1"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    wm.verify(
        putRequestedFor(urlPathEqualTo(G + "/urlMaps/lb"))
            .withRequestBody(matchingJsonPath("$.fingerprint", equalTo("fp-1")))
            .withRequestBody(
                matchingJsonPath(
                    "$.defaultRouteAction.weightedBackendServices[1].weight", equalTo("10"))));
  }

  @Test
  void url_map_update_with_the_current_fingerprint_returns_the_new_one() {
    wm.stubFor(
        get(urlPathEqualTo(G + "/urlMaps/lb"))
            .inScenario("u")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                json(
                    "{\"name\":\"lb\",\"fingerprint\":\"fp-1\",\"defaultService\":\"global/backendServices/bs-v1\"}")));
    wm.stubFor(
        put(urlPathEqualTo(G + "/urlMaps/lb"))
            .inScenario("u")
            .willSetStateTo("updated")
            .willReturn(json("{\"name\":\"op-1\",\"status\":\"PENDING\"}")));
    wm.stubFor(
        get(urlPathEqualTo(G + "/urlMaps/lb"))
            .inScenario("u")
            .whenScenarioStateIs("updated")
            .willReturn(
                json(
                    "{\"name\":\"lb\",\"fingerprint\":\"fp-9\",\"defaultRouteAction\":{\"weightedBackendServices\":["
                        + "{\"backendService\":\"global/backendServices/bs-v1\",\"weight\":90},{\"backendService\":\"global/backendServices/bs-v2\",\"weight\":10}]}}")));

    var updated =
        serving.updateUrlMap(
            "lb",
            List.of(new WeightedBackend("bs-v1", 90), new WeightedBackend("bs-v2", 10)),
            "fp-1");

    assertThat(updated.fingerprint()).isEqualTo("fp-9");
    assertThat(updated.backends()).hasSize(2);
  }

  @Test
  void deleting_a_resource_in_use_is_a_conflict_and_a_missing_one_is_false() {
    wm.stubFor(
        delete(urlPathEqualTo(G + "/backendServices/bs-v1"))
            .willReturn(
                error(
                    400,
                    "resourceInUseByAnotherResource",
                    "The backend_service resource 'bs-v1' is already being used by 'lb'")));
    wm.stubFor(
        delete(urlPathEqualTo(G + "/healthChecks/gone"))
            .willReturn(error(404, "notFound", "The resource was not found")));

    assertThatThrownBy(() -> serving.deleteBackendService("bs-v1"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(serving.deleteHealthCheck("gone")).isFalse();
  }

  @Test
  void backend_health_lists_instances_with_their_state() {
    wm.stubFor(
        post(urlPathEqualTo(G + "/backendServices/bs-v1/getHealth"))
            .withRequestBody(
                matchingJsonPath("$.group", equalTo("regions/us-central1/instanceGroups/mig-v1")))
            .willReturn(
                json(
                    "{\"healthStatus\":[{\"instance\":\"https://x/zones/us-central1-a/instances/srv-v1-abcd\",\"healthState\":\"HEALTHY\"},"
                        + "{\"instance\":\"https://x/zones/us-central1-b/instances/srv-v1-efgh\",\"healthState\":\"UNHEALTHY\"}]}")));

    assertThat(serving.backendHealth("bs-v1", "mig-v1"))
        .containsExactly(
            new ServingResources.InstanceHealth("srv-v1-abcd", true),
            new ServingResources.InstanceHealth("srv-v1-efgh", false));
  }
}
