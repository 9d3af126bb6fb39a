package dev.mlcp.platform.objects.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GCS protocol details (preconditions, retries) checked against WireMock stubs. */
class GcsObjectStoreProtocolTest {
  private WireMockServer wm;
  private GcsObjectStore wmStore;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    wmStore = new GcsObjectStore(GcsObjectStoreTest.storage(wm.baseUrl()), null);
  }

  @AfterEach
  void stop() {
    wmStore.close();
    wm.stop();
  }

  @Test
  void failed_precondition_412_is_a_conflict_and_sends_if_generation_match_zero() {
    wm.stubFor(
        post(urlPathEqualTo("/upload/storage/v1/b/mlcp-test/o"))
            .willReturn(
                aResponse()
                    .withStatus(412)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        FakeGcsServer.errorBody(
                            412,
                            "At least one of the pre-conditions you specified did not hold.",
                            "conditionNotMet"))));

    assertThatThrownBy(
            () ->
                wmStore.write(
                    ObjectUri.parse("gs://mlcp-test/runs/r.json"),
                    "{}".getBytes(StandardCharsets.UTF_8),
                    "application/json",
                    WriteCondition.doesNotExist()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    wm.verify(
        postRequestedFor(urlPathEqualTo("/upload/storage/v1/b/mlcp-test/o"))
            .withQueryParam("ifGenerationMatch", equalTo("0")));
  }

  @Test
  void stat_retries_503_then_succeeds() {
    String path = "/storage/v1/b/mlcp-test/o/a.txt";
    wm.stubFor(
        get(urlPathEqualTo(path))
            .inScenario("flaky")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                aResponse()
                    .withStatus(503)
                    .withHeader("Content-Type", "application/json")
                    .withBody(FakeGcsServer.errorBody(503, "Backend Error", "backendError")))
            .willSetStateTo("ok"));
    wm.stubFor(
        get(urlPathEqualTo(path))
            .inScenario("flaky")
            .whenScenarioStateIs("ok")
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"kind\":\"storage#object\",\"bucket\":\"mlcp-test\",\"name\":\"a.txt\",\"generation\":\"42\",\"size\":\"3\"}")));

    assertThat(wmStore.stat(ObjectUri.parse("gs://mlcp-test/a.txt")))
        .get()
        .extracting(m -> m.generation())
        .isEqualTo(42L);
    wm.verify(2, getRequestedFor(urlPathEqualTo(path)));
  }

  @Test
  void persistent_429_on_a_read_is_transient_after_bounded_attempts() {
    String path = "/storage/v1/b/mlcp-test/o/busy.txt";
    wm.stubFor(
        get(urlPathEqualTo(path))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Content-Type", "application/json")
                    .withBody(FakeGcsServer.errorBody(429, "rate limited", "rateLimitExceeded"))));

    assertThatThrownBy(() -> wmStore.stat(ObjectUri.parse("gs://mlcp-test/busy.txt")))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.TRANSIENT));
    wm.verify(4, getRequestedFor(urlPathEqualTo(path)));
  }
}
