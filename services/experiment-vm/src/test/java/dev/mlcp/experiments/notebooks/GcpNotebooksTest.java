package dev.mlcp.experiments.notebooks;

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
import static dev.mlcp.experiments.notebooks.NotebookFixture.T0;
import static dev.mlcp.experiments.notebooks.NotebookFixture.heartbeat;
import static dev.mlcp.experiments.notebooks.NotebookFixture.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.api.gax.core.NoCredentialsProvider;
import dev.mlcp.platform.gcp.ComputeOperations;
import dev.mlcp.platform.gcp.GcpClients;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.instances.gcp.ComputeEngineInstances;
import dev.mlcp.platform.instances.gcp.FakeComputeEngine;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook domain over the real Compute Engine adapter, against the platform's stateful Compute
 * REST stand-in: zone fall-through on a stockout, a quota with GCE's reason and the quota's name,
 * the VM's contract (guest attributes, maxRunDuration with DELETE), idle VMs stopped from their
 * guest attributes, starts that carry the hard limit over, orphans deleted.
 */
class GcpNotebooksTest {
  private static final String ANA = "ana@example.com";
  private static final String ZONE_A = "/compute/v1/projects/proj/zones/europe-west4-a";
  private static final String ZONE_B = "/compute/v1/projects/proj/zones/europe-west4-b";

  @TempDir Path dir;
  private WireMockServer server;
  private FakeComputeEngine gce;
  private ComputeEngineInstances instances;
  private NotebookFixture f;

  @BeforeEach
  void start() {
    gce = new FakeComputeEngine();
    server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(gce));
    server.start();
    server.stubFor(
        any(urlPathMatching("/compute/v1/.*"))
            .atPriority(10)
            .willReturn(aResponse().withTransformers(FakeComputeEngine.NAME)));
    Retrier retrier = new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)));
    var credentials = NoCredentialsProvider.create();
    instances =
        new ComputeEngineInstances(
            "proj",
            GcpClients.instances(server.baseUrl(), credentials),
            new ComputeOperations(
                "proj",
                GcpClients.zoneOperations(server.baseUrl(), credentials),
                null,
                null,
                retrier,
                Duration.ofSeconds(30),
                Duration.ofMillis(1),
                Clock.systemUTC()),
            retrier);
    f = new NotebookFixture(dir, instances);
  }

  @AfterEach
  void stop() {
    instances.close();
    server.stop();
  }

  private void operationFails(String zonePath, String code, String message) {
    server.stubFor(
        post(urlPathEqualTo(zonePath + "/instances"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"kind\":\"compute#operation\",\"name\":\"op-x\",\"status\":\"PENDING\"}")));
    server.stubFor(
        get(urlPathEqualTo(zonePath + "/operations/op-x"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"kind\":\"compute#operation\",\"name\":\"op-x\",\"status\":\"DONE\","
                            + "\"httpErrorStatusCode\":403,\"error\":{\"errors\":[{\"code\":\""
                            + code
                            + "\",\"message\":\""
                            + message
                            + "\"}]}}")));
  }

  @Test
  void a_stockout_falls_through_to_the_next_zone_and_the_vm_carries_the_notebook_contract() {
    operationFails(
        ZONE_A,
        "ZONE_RESOURCE_POOL_EXHAUSTED",
        "The zone 'projects/proj/zones/europe-west4-a' does not have enough resources available");

    Experiment e = f.service.create(ANA, named("ana-gce"));

    assertThat(e.zone()).isEqualTo("europe-west4-b");
    server.verify(
        postRequestedFor(urlPathEqualTo(ZONE_B + "/instances"))
            .withRequestBody(matchingJsonPath("$.name", equalTo("nb-ana-gce")))
            .withRequestBody(matchingJsonPath("$.labels.mlcp-experiment", equalTo("ana-gce")))
            .withRequestBody(
                matchingJsonPath(
                    "$.metadata.items[?(@.key == 'enable-guest-attributes')].value",
                    equalTo("TRUE")))
            .withRequestBody(
                matchingJsonPath(
                    "$.metadata.items[?(@.key == 'mlcp-mode')].value", equalTo("notebook")))
            .withRequestBody(
                matchingJsonPath("$.scheduling.maxRunDuration.seconds", equalTo("86400")))
            .withRequestBody(
                matchingJsonPath("$.scheduling.instanceTerminationAction", equalTo("DELETE"))));
  }

  @Test
  void a_quota_is_answered_with_gce_reason_and_the_quota_name_and_nothing_left() {
    operationFails(
        ZONE_A,
        "QUOTA_EXCEEDED",
        "Quota 'NVIDIA_T4_GPUS' exceeded.  Limit: 0.0 in region europe-west4.");

    assertThatThrownBy(() -> f.service.create(ANA, named("ana-quota")))
        .isInstanceOfSatisfying(
            CapacityException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CapacityException.Kind.QUOTA);
              assertThat(e.reason()).isEqualTo("QUOTA_EXCEEDED");
              assertThat(e.quota()).isEqualTo("NVIDIA_T4_GPUS");
            });
    assertThat(gce.instance("europe-west4-a", "nb-ana-quota")).isNull();
    assertThat(gce.instance("europe-west4-b", "nb-ana-quota")).isNull();
    assertThat(f.service.byName("ana-quota").orElseThrow().state())
        .isEqualTo(ExperimentState.FAILED);
  }

  @Test
  void an_idle_vm_is_stopped_from_its_guest_attributes() {
    f.service.create(ANA, named("ana-idle"));
    f.clock.advance(Duration.ofMinutes(70));
    gce.guestAttribute(
        "europe-west4-a",
        "nb-ana-idle",
        "mlcp",
        "heartbeat",
        heartbeat(f.clock.instant(), T0.plusSeconds(30)));

    Reaper.Report report = f.reaper.reap();

    assertThat(f.service.byName("ana-idle").orElseThrow().state())
        .isEqualTo(ExperimentState.STOPPED);
    server.verify(
        getRequestedFor(urlPathEqualTo(ZONE_A + "/instances/nb-ana-idle/getGuestAttributes"))
            .withQueryParam("queryPath", equalTo("mlcp/")));
    server.verify(postRequestedFor(urlPathEqualTo(ZONE_A + "/instances/nb-ana-idle/stop")));
    assertThat(gce.instance("europe-west4-a", "nb-ana-idle").path("status").asText())
        .isEqualTo("TERMINATED");
    // One aggregated list, one guest-attribute read, one stop.
    assertThat(report.computeCalls()).isEqualTo(3);
  }

  @Test
  void a_start_gives_the_vm_what_is_left_of_its_hard_limit() {
    Experiment e = f.service.create(ANA, named("ana-restart"));
    f.service.stop(e, ANA);
    f.clock.advance(Duration.ofHours(3));

    f.service.start(f.service.byName("ana-restart").orElseThrow(), ANA);

    server.verify(
        postRequestedFor(urlPathEqualTo(ZONE_A + "/instances/nb-ana-restart/setScheduling"))
            .withRequestBody(matchingJsonPath("$.maxRunDuration.seconds", equalTo("75600")))
            .withRequestBody(matchingJsonPath("$.instanceTerminationAction", equalTo("DELETE"))));
    assertThat(gce.instance("europe-west4-a", "nb-ana-restart").path("status").asText())
        .isEqualTo("RUNNING");
  }

  @Test
  void an_orphan_and_an_expired_vm_are_deleted_and_a_vanished_one_recorded() {
    f.service.create(ANA, named("ana-expires"));
    f.service.create(ANA, named("ana-vanishes"));
    Experiment orphaned = f.service.create(ANA, named("ana-orphan"));
    f.experiments.update(orphaned.id(), x -> x.delete("test", "requested", f.clock.instant()));
    gce.vanish("europe-west4-a", "nb-ana-vanishes");
    f.clock.advance(Duration.ofHours(8));

    f.reaper.reap();

    assertThat(gce.instance("europe-west4-a", "nb-ana-expires")).isNull();
    assertThat(gce.instance("europe-west4-a", "nb-ana-orphan")).isNull();
    assertThat(f.service.byName("ana-expires").orElseThrow().state())
        .isEqualTo(ExperimentState.DELETED);
    assertThat(f.service.byName("ana-vanishes").orElseThrow().state())
        .isEqualTo(ExperimentState.DELETED);
  }
}
