package dev.mlcp.platform.serving.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingStack;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cloud Monitoring's timeSeries.list against WireMock: counts by code class, p99, retries. */
class CloudMonitoringMetricsTest {
  WireMockServer wm;
  CloudMonitoringMetrics metrics;
  static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    metrics =
        new CloudMonitoringMetrics(
            "proj",
            wm.baseUrl(),
            true,
            new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2))));
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  @Test
  void load_balancer_counts_and_p99_of_the_revisions_backend_service() {
    wm.stubFor(
        get(urlPathEqualTo("/v3/projects/proj/timeSeries"))
            .withQueryParam("filter", matching(".*https/request_count.*churn-r2-bs.*"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"timeSeries\":["
                            + "{\"metric\":{\"labels\":{\"response_code_class\":\"200\"}},"
                            + "\"points\":[{\"value\":{\"int64Value\":\"97\"}}]},"
                            + "{\"metric\":{\"labels\":{\"response_code_class\":\"500\"}},"
                            + "\"points\":[{\"value\":{\"int64Value\":\"3\"}}]}]}")));
    wm.stubFor(
        get(urlPathEqualTo("/v3/projects/proj/timeSeries"))
            .withQueryParam("filter", matching(".*https/backend_latencies.*"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"timeSeries\":[{\"points\":[{\"value\":{\"doubleValue\":120.5}}]},"
                            + "{\"points\":[{\"value\":{\"doubleValue\":80}}]}]}")));
    RevisionMetrics.RequestStats s =
        metrics.stats(ServingStack.Target.GCE, "churn", "r2", T0, T0.plusSeconds(300));
    assertThat(s.requests()).isEqualTo(100);
    assertThat(s.errors()).isEqualTo(3);
    assertThat(s.successRate()).isEqualTo(0.97);
    assertThat(s.p99LatencyMillis()).isEqualTo(120.5);
    wm.verify(
        getRequestedFor(urlPathEqualTo("/v3/projects/proj/timeSeries"))
            .withQueryParam("aggregation.alignmentPeriod", matching("300s"))
            .withQueryParam("interval.startTime", matching("2026-11-23T10:00:00Z")));
  }

  @Test
  void cloud_run_revision_with_no_requests_has_none() {
    wm.stubFor(
        get(urlPathEqualTo("/v3/projects/proj/timeSeries"))
            .withQueryParam("filter", matching(".*run.googleapis.com/request_count.*churn-r2.*"))
            .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{}")));
    RevisionMetrics.RequestStats s =
        metrics.stats(ServingStack.Target.CLOUD_RUN, "churn", "r2", T0, T0.plusSeconds(30));
    assertThat(s.requests()).isZero();
    assertThat(Double.isNaN(s.p99LatencyMillis())).isTrue();
  }

  @Test
  void a_503_is_retried() {
    wm.stubFor(
        get(urlPathEqualTo("/v3/projects/proj/timeSeries"))
            .inScenario("flaky")
            .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("ok"));
    wm.stubFor(
        get(urlPathEqualTo("/v3/projects/proj/timeSeries"))
            .inScenario("flaky")
            .whenScenarioStateIs("ok")
            .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{}")));
    assertThat(
            metrics
                .stats(ServingStack.Target.GCE, "churn", "r1", T0, T0.plusSeconds(60))
                .requests())
        .isZero();
  }
}
