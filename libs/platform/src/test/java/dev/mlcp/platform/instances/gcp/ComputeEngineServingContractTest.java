package dev.mlcp.platform.instances.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.platform.gcp.GcpAdapters;
import dev.mlcp.platform.gcp.GcpSettings;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.instances.ServingResources;
import dev.mlcp.platform.instances.ServingResourcesContract;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The ServingResources contract on Compute Engine, against a stateful Compute stand-in. */
class ComputeEngineServingContractTest extends ServingResourcesContract {

  private WireMockServer wm;
  private ServingResources serving;

  @BeforeEach
  void start() {
    wm =
        new WireMockServer(
            options().dynamicPort().bindAddress("127.0.0.1").extensions(new FakeComputeServing()));
    wm.start();
    wm.stubFor(
        any(urlPathMatching("/compute/v1/.*"))
            .willReturn(aResponse().withTransformers(FakeComputeServing.NAME)));
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
  }

  @AfterEach
  void stop() {
    serving.close();
    wm.stop();
  }

  @Override
  protected ServingResources serving() {
    return serving;
  }
}
