package dev.mlcp.platform.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.google.api.gax.core.NoCredentialsProvider;
import dev.mlcp.platform.gcp.ComputeOperations;
import dev.mlcp.platform.gcp.GcpClients;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.gcp.ComputeEngineInstances;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lists N training VMs through the Compute adapter over paged aggregatedList responses (500 per
 * page, generated on the fly by the server so the server holds no state) and builds the
 * reconciler's view: run id to (zone, status, created). Prints time and heap for several N.
 */
class InstancesListBenchmark {

  /** Generates page {@code pageToken} of {@code total} instances. */
  static final class GeneratedPages implements ResponseDefinitionTransformerV2 {
    volatile int total;

    @Override
    public String getName() {
      return "generated-pages";
    }

    @Override
    public boolean applyGlobally() {
      return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      var request = event.getRequest();
      int max = Integer.parseInt(request.queryParameter("maxResults").firstValue());
      var tokenParam = request.queryParameter("pageToken");
      int offset = tokenParam.isPresent() ? Integer.parseInt(tokenParam.firstValue()) : 0;
      int end = Math.min(total, offset + max);
      StringBuilder body = new StringBuilder(600 * (end - offset) + 200);
      body.append("{\"kind\":\"compute#instanceAggregatedList\",\"items\":{");
      String[] zones = {"us-central1-a", "us-central1-b", "us-central1-c"};
      for (int z = 0; z < zones.length; z++) {
        if (z > 0) {
          body.append(',');
        }
        body.append("\"zones/").append(zones[z]).append("\":{\"instances\":[");
        boolean first = true;
        for (int i = offset; i < end; i++) {
          if (i % 3 != z) {
            continue;
          }
          if (!first) {
            body.append(',');
          }
          first = false;
          body.append("{\"name\":\"run-")
              .append(i)
              .append("\",\"status\":\"")
              .append(i % 10 == 0 ? "TERMINATED" : "RUNNING")
              .append("\",\"zone\":\"https://www.googleapis.com/compute/v1/projects/proj/zones/")
              .append(zones[z])
              .append(
                  "\",\"machineType\":\"https://www.googleapis.com/compute/v1/projects/proj/zones/")
              .append(zones[z])
              .append(
                  "/machineTypes/g2-standard-8\",\"creationTimestamp\":\"2026-01-01T00:00:00.000-08:00\",")
              .append("\"labels\":{\"mlcp-run\":\"run-")
              .append(i)
              .append("\",\"mlcp-owner\":\"user-")
              .append(i % 37)
              .append("\"},\"scheduling\":{\"provisioningModel\":\"SPOT\"},")
              .append("\"networkInterfaces\":[{\"networkIP\":\"10.0.")
              .append(i / 250 % 250)
              .append('.')
              .append(i % 250)
              .append("\",\"accessConfigs\":[{\"natIP\":\"34.1.")
              .append(i / 250 % 250)
              .append('.')
              .append(i % 250)
              .append("\"}]}],\"metadata\":{\"items\":[{\"key\":\"mlcp-run-id\",\"value\":\"run-")
              .append(i)
              .append("\"}]}}");
        }
        body.append("]}");
      }
      body.append('}');
      if (end < total) {
        body.append(",\"nextPageToken\":\"").append(end).append('"');
      }
      body.append('}');
      return com.github.tomakehurst.wiremock.client.WireMock.aResponse()
          .withStatus(200)
          .withHeader("Content-Type", "application/json")
          .withBody(body.toString())
          .build();
    }
  }

  record ViewEntry(String zone, InstanceStatus status, Instant created) {}

  @Test
  void list_instances_and_build_reconcile_view() {
    GeneratedPages pages = new GeneratedPages();
    WireMockServer server =
        new WireMockServer(
            options()
                .dynamicPort()
                .bindAddress("127.0.0.1")
                .extensions(pages)
                .containerThreads(8)
                .disableRequestJournal());
    server.start();
    server.stubFor(
        get(urlPathEqualTo("/compute/v1/projects/proj/aggregated/instances"))
            .willReturn(aResponse().withTransformers("generated-pages")));
    var credentials = NoCredentialsProvider.create();
    Retrier retrier = new Retrier(RetryPolicy.defaults());
    try (ComputeEngineInstances instances =
        new ComputeEngineInstances(
            "proj",
            GcpClients.instances(server.baseUrl(), credentials),
            new ComputeOperations(
                "proj",
                GcpClients.zoneOperations(server.baseUrl(), credentials),
                null,
                null,
                retrier,
                Duration.ofMinutes(1),
                Duration.ofMillis(10),
                Clock.systemUTC()),
            retrier)) {
      for (int total : new int[] {1_000, 10_000, 2_000, 10_000, 20_000}) {
        pages.total = total;
        // Listing alone, nothing kept: what the paging itself holds on to.
        long counted;
        double listPeak;
        double listRetained;
        try (HeapSampler heap = new HeapSampler()) {
          counted = instances.listAll(InstanceFilter.hasLabel("mlcp-run")).count();
          listPeak = heap.peakAboveBaselineMib();
          listRetained = heap.retainedMib();
        }
        long start = System.nanoTime();
        Map<String, ViewEntry> view = new HashMap<>();
        try (HeapSampler heap = new HeapSampler()) {
          instances
              .listAll(InstanceFilter.hasLabel("mlcp-run"))
              .forEach(
                  (Instance i) ->
                      view.put(
                          i.labels().get("mlcp-run"),
                          new ViewEntry(i.zone(), i.status(), i.created())));
          long elapsed = System.nanoTime() - start;
          System.out.printf(
              "BENCH instances-list total=%d pages=%d time=%.0f ms | list only: peak=%.1f MiB retained=%.1f MiB"
                  + " | with reconcile view: peak=%.1f MiB retained(view)=%.1f MiB%n",
              total,
              (total + 499) / 500,
              elapsed / 1e6,
              listPeak,
              listRetained,
              heap.peakAboveBaselineMib(),
              heap.retainedMib());
        }
        assertThat(counted).isEqualTo(total);
        assertThat(view).hasSize(total);
      }
    } finally {
      server.stop();
    }
  }
}
