package dev.mlcp.platform.instances.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.google.api.gax.core.NoCredentialsProvider;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.ComputeOperations;
import dev.mlcp.platform.gcp.GcpClients;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.instances.InstancesContract;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ComputeEngineInstancesTest extends InstancesContract {

  private static final String INSTANCES_PATH =
      "/compute/v1/projects/proj/zones/us-central1-a/instances";
  private static final String OPS_PATH =
      "/compute/v1/projects/proj/zones/us-central1-a/operations/";

  private WireMockServer server;
  private FakeComputeEngine fake;
  private ComputeEngineInstances instances;

  @BeforeEach
  void start() {
    fake = new FakeComputeEngine();
    server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(fake));
    server.start();
    server.stubFor(
        any(urlPathMatching("/compute/v1/.*"))
            .atPriority(10)
            .willReturn(aResponse().withTransformers(FakeComputeEngine.NAME)));
    instances = adapter(server.baseUrl());
  }

  static ComputeEngineInstances adapter(String endpoint) {
    Retrier retrier = new Retrier(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5)));
    var credentials = NoCredentialsProvider.create();
    ComputeOperations operations =
        new ComputeOperations(
            "proj",
            GcpClients.zoneOperations(endpoint, credentials),
            null,
            null,
            retrier,
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            Clock.systemUTC());
    return new ComputeEngineInstances(
        "proj", GcpClients.instances(endpoint, credentials), operations, retrier);
  }

  @AfterEach
  void stop() {
    instances.close();
    server.stop();
  }

  @Override
  protected Instances instances() {
    return instances;
  }

  @Override
  protected void writeGuestAttribute(String name, String namespace, String key, String value) {
    fake.guestAttribute(zone(), name, namespace, key, value);
  }

  @Test
  void stop_is_a_stop_request_with_a_request_id() {
    instances.create(notebookSpec("nb-req"));

    instances.stop("us-central1-a", "nb-req");

    server.verify(
        postRequestedFor(urlPathEqualTo(INSTANCES_PATH + "/nb-req/stop"))
            .withQueryParam("requestId", WireMock.matching(".{36}")));
  }

  @Test
  void start_with_a_limit_first_sets_max_run_duration_keeping_the_rest_of_the_scheduling() {
    instances.create(spec("spot-vm", Map.of()));
    instances.stop("us-central1-a", "spot-vm");

    instances.start("us-central1-a", "spot-vm", Duration.ofMinutes(90));

    server.verify(
        postRequestedFor(urlPathEqualTo(INSTANCES_PATH + "/spot-vm/setScheduling"))
            .withRequestBody(matchingJsonPath("$.maxRunDuration.seconds", equalTo("5400")))
            .withRequestBody(matchingJsonPath("$.instanceTerminationAction", equalTo("DELETE")))
            .withRequestBody(matchingJsonPath("$.provisioningModel", equalTo("SPOT"))));
    server.verify(postRequestedFor(urlPathEqualTo(INSTANCES_PATH + "/spot-vm/start")));
    assertThat(fake.instance("us-central1-a", "spot-vm").path("status").asText())
        .isEqualTo("RUNNING");
  }

  @Test
  void guest_attributes_are_read_with_the_namespace_as_query_path() {
    instances.create(notebookSpec("nb-query"));

    instances.guestAttributes("us-central1-a", "nb-query", "mlcp");

    server.verify(
        getRequestedFor(urlPathEqualTo(INSTANCES_PATH + "/nb-query/getGuestAttributes"))
            .withQueryParam("queryPath", equalTo("mlcp/")));
  }

  @Test
  void notebook_spec_asks_for_guest_attributes_and_an_external_ip() {
    instances.create(notebookSpec("nb-meta"));

    server.verify(
        postRequestedFor(urlPathEqualTo(INSTANCES_PATH))
            .withRequestBody(
                matchingJsonPath(
                    "$.metadata.items[?(@.key == 'enable-guest-attributes')].value",
                    equalTo("TRUE")))
            .withRequestBody(
                matchingJsonPath(
                    "$.networkInterfaces[0].accessConfigs[0].type", equalTo("ONE_TO_ONE_NAT"))));
    assertThat(instances.get("us-central1-a", "nb-meta").orElseThrow().externalIp()).isNotBlank();
  }

  private static String op(String name, String status) {
    return "{\"kind\":\"compute#operation\",\"name\":\""
        + name
        + "\",\"status\":\""
        + status
        + "\"}";
  }

  private static String opError(String name, String code, String message) {
    return "{\"kind\":\"compute#operation\",\"name\":\""
        + name
        + "\",\"status\":\"DONE\",\"httpErrorStatusCode\":403,\"error\":{\"errors\":[{\"code\":\""
        + code
        + "\",\"message\":\""
        + message
        + "\"}]}}";
  }

  private void insertReturnsOperation(String zone, String opName) {
    server.stubFor(
        post(urlPathEqualTo("/compute/v1/projects/proj/zones/" + zone + "/instances"))
            .atPriority(1)
            .willReturn(okJson(op(opName, "PENDING"))));
  }

  private static ResponseDefinitionBuilder okJson(String body) {
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(body);
  }

  @Test
  void insert_request_carries_the_whole_spec() {
    instances.create(spec("run-spec", Map.of("mlcp-run", "run-spec")));

    server.verify(
        postRequestedFor(urlPathEqualTo(INSTANCES_PATH))
            .withQueryParam("requestId", WireMock.matching(".{36}"))
            .withRequestBody(matchingJsonPath("$.scheduling.provisioningModel", equalTo("SPOT")))
            .withRequestBody(
                matchingJsonPath("$.scheduling.instanceTerminationAction", equalTo("DELETE")))
            .withRequestBody(
                matchingJsonPath("$.scheduling.maxRunDuration.seconds", equalTo("7200")))
            .withRequestBody(matchingJsonPath("$.labels.mlcp-run", equalTo("run-spec")))
            .withRequestBody(matchingJsonPath("$.metadata.items[?(@.key == 'startup-script')]"))
            .withRequestBody(
                matchingJsonPath(
                    "$.serviceAccounts[0].email", equalTo("training-vm@p.iam.gserviceaccount.com")))
            .withRequestBody(
                matchingJsonPath(
                    "$.disks[0].initializeParams.sourceImage",
                    equalTo("projects/cos-cloud/global/images/family/cos-stable")))
            .withRequestBody(
                matchingJsonPath(
                    "$.machineType", equalTo("zones/us-central1-a/machineTypes/e2-standard-4"))));
  }

  @Test
  void operation_is_polled_until_done() {
    insertReturnsOperation("us-central1-a", "op-slow");
    String scenario = "slow-op";
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-slow"))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(okJson(op("op-slow", "RUNNING")))
            .willSetStateTo("second"));
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-slow"))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs("second")
            .willReturn(okJson(op("op-slow", "RUNNING")))
            .willSetStateTo("done"));
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-slow"))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs("done")
            .willReturn(okJson(op("op-slow", "DONE"))));
    server.stubFor(
        get(urlPathEqualTo(INSTANCES_PATH + "/run-slow"))
            .atPriority(1)
            .willReturn(
                okJson(
                    "{\"name\":\"run-slow\",\"status\":\"STAGING\",\"zone\":\"zones/us-central1-a\"}")));

    Instance created = instances.create(spec("run-slow", Map.of()));

    assertThat(created.name()).isEqualTo("run-slow");
    server.verify(3, getRequestedFor(urlPathEqualTo(OPS_PATH + "op-slow")));
  }

  @Test
  void an_operation_still_running_at_its_deadline_is_a_transient_timeout() {
    insertReturnsOperation("us-central1-a", "op-stuck");
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-stuck"))
            .atPriority(1)
            .willReturn(okJson(op("op-stuck", "RUNNING"))));
    Retrier retrier = new Retrier(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5)));
    var credentials = NoCredentialsProvider.create();
    ComputeOperations shortDeadline =
        new ComputeOperations(
            "proj",
            GcpClients.zoneOperations(server.baseUrl(), credentials),
            null,
            null,
            retrier,
            Duration.ofMillis(200),
            Duration.ofMillis(10),
            Clock.systemUTC());
    try (ComputeEngineInstances impatient =
        new ComputeEngineInstances(
            "proj", GcpClients.instances(server.baseUrl(), credentials), shortDeadline, retrier)) {

      assertThatThrownBy(() -> impatient.create(spec("run-stuck", Map.of())))
          .isInstanceOfSatisfying(
              PlatformException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(PlatformException.Kind.TRANSIENT);
                assertThat(e.reason()).isEqualTo("OPERATION_TIMEOUT");
                assertThat(e.getMessage()).contains("op-stuck");
              });
    }
  }

  @Test
  void done_operation_with_a_quota_error_is_quota_exceeded() {
    insertReturnsOperation("us-central1-a", "op-quota");
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-quota"))
            .atPriority(1)
            .willReturn(
                okJson(
                    opError(
                        "op-quota",
                        "QUOTA_EXCEEDED",
                        "Quota 'NVIDIA_L4_GPUS' exceeded. Limit: 0.0 in region us-central1."))));

    assertThatThrownBy(() -> instances.create(spec("run-quota", Map.of())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.QUOTA_EXCEEDED);
              assertThat(e.reason()).isEqualTo("QUOTA_EXCEEDED");
              assertThat(e.getMessage()).contains("NVIDIA_L4_GPUS");
            });
  }

  @Test
  void stockout_in_the_first_zone_falls_through_to_the_next_zone() {
    insertReturnsOperation("us-central1-a", "op-stockout");
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-stockout"))
            .atPriority(1)
            .willReturn(
                okJson(
                    opError(
                        "op-stockout",
                        "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS",
                        "The zone 'projects/proj/zones/us-central1-a' does not have enough resources available to fulfill the request."))));
    InstanceSpec base = spec("run-fallback", Map.of("mlcp-run", "run-fallback"));
    InstanceSpec twoZones =
        new InstanceSpec(
            base.name(),
            List.of("us-central1-a", "us-central1-b"),
            base.machineType(),
            base.accelerators(),
            base.bootDisk(),
            base.spot(),
            base.labels(),
            base.metadata(),
            base.serviceAccount(),
            base.maxRunDuration(),
            base.externalIp());

    Instance created = instances.create(twoZones);

    assertThat(created.zone()).isEqualTo("us-central1-b");
  }

  @Test
  void stockout_in_every_zone_is_zone_exhausted_with_the_gce_reason() {
    insertReturnsOperation("us-central1-a", "op-stockout");
    server.stubFor(
        get(urlPathEqualTo(OPS_PATH + "op-stockout"))
            .atPriority(1)
            .willReturn(
                okJson(
                    opError(
                        "op-stockout",
                        "ZONE_RESOURCE_POOL_EXHAUSTED",
                        "The zone does not have enough resources"))));

    assertThatThrownBy(() -> instances.create(spec("run-stockout", Map.of())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.ZONE_EXHAUSTED);
              assertThat(e.reason()).isEqualTo("ZONE_RESOURCE_POOL_EXHAUSTED");
            });
  }

  @Test
  void get_retries_429_and_503_then_succeeds() {
    String scenario = "flaky";
    String path = INSTANCES_PATH + "/flaky-vm";
    server.stubFor(
        get(urlPathEqualTo(path))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeComputeEngine.error(429, "Rate Limit Exceeded", "rateLimitExceeded")
                            .toString()))
            .willSetStateTo("503"));
    server.stubFor(
        get(urlPathEqualTo(path))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs("503")
            .willReturn(
                aResponse()
                    .withStatus(503)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeComputeEngine.error(503, "backend unavailable", "backendError")
                            .toString()))
            .willSetStateTo("ok"));
    server.stubFor(
        get(urlPathEqualTo(path))
            .atPriority(1)
            .inScenario(scenario)
            .whenScenarioStateIs("ok")
            .willReturn(
                okJson(
                    "{\"name\":\"flaky-vm\",\"status\":\"RUNNING\",\"zone\":\"zones/us-central1-a\"}")));

    assertThat(instances.get("us-central1-a", "flaky-vm"))
        .get()
        .extracting(Instance::name)
        .isEqualTo("flaky-vm");
    server.verify(3, getRequestedFor(urlPathEqualTo(path)));
  }

  @Test
  void persistent_503_gives_up_after_the_attempt_limit_as_transient() {
    String path = INSTANCES_PATH + "/down-vm";
    server.stubFor(
        get(urlPathEqualTo(path))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(503)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeComputeEngine.error(503, "backend unavailable", "backendError")
                            .toString())));

    assertThatThrownBy(() -> instances.get("us-central1-a", "down-vm"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.TRANSIENT));
    server.verify(4, getRequestedFor(urlPathEqualTo(path)));
  }

  @Test
  void insert_rejected_with_403_quota_body_is_quota_exceeded_and_not_retried() {
    server.stubFor(
        post(urlPathEqualTo(INSTANCES_PATH))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeComputeEngine.error(
                                403,
                                "Quota 'CPUS' exceeded. Limit: 24.0 in region us-central1.",
                                "quotaExceeded")
                            .toString())));

    assertThatThrownBy(() -> instances.create(spec("run-cpu", Map.of())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.QUOTA_EXCEEDED));
    server.verify(1, postRequestedFor(urlPathEqualTo(INSTANCES_PATH)));
  }

  @Test
  void permission_denied_and_invalid_argument_are_classified() {
    server.stubFor(
        get(urlPathEqualTo(INSTANCES_PATH + "/forbidden"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeComputeEngine.error(
                                403, "Required 'compute.instances.get' permission", "forbidden")
                            .toString())));
    server.stubFor(
        post(urlPathEqualTo(INSTANCES_PATH))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeComputeEngine.error(
                                400, "Invalid value for field 'resource.machineType'", "invalid")
                            .toString())));

    assertThatThrownBy(() -> instances.get("us-central1-a", "forbidden"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.PERMISSION_DENIED));
    assertThatThrownBy(() -> instances.create(spec("run-bad", Map.of())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT));
  }

  @Test
  void list_sends_the_label_filter_in_gce_syntax() {
    instances
        .listAll(InstanceFilter.hasLabel("mlcp-run").andLabelEquals("mlcp-owner", "alice"))
        .count();

    server.verify(
        getRequestedFor(urlPathEqualTo("/compute/v1/projects/proj/aggregated/instances"))
            .withQueryParam(
                "filter", equalTo("(labels.mlcp-run:*) AND (labels.mlcp-owner = \"alice\")")));
  }
}
