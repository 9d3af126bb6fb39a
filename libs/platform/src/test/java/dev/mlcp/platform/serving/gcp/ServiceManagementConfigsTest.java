package dev.mlcp.platform.serving.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.serving.ApiConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Endpoints config submit + rollout through Service Management's REST API, against WireMock. */
class ServiceManagementConfigsTest {
  static final String SVC = "churn.endpoints.proj.cloud.goog";
  static final String YAML = "openapi: 3.0.0\ninfo: {title: churn, version: '1'}\npaths: {}\n";
  WireMockServer wm;
  ServiceManagementConfigs configs;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    configs =
        new ServiceManagementConfigs(
            wm.baseUrl(),
            true,
            new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2))),
            Duration.ofSeconds(10),
            Duration.ofMillis(1),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  @Test
  void submits_the_document_and_rolls_the_new_config_out_to_100_percent() {
    wm.stubFor(
        post(urlPathEqualTo("/v1/services/" + SVC + "/configs:submit"))
            .willReturn(json("{\"name\":\"operations/submit-1\",\"done\":false}")));
    wm.stubFor(
        get(urlPathEqualTo("/v1/operations/submit-1"))
            .willReturn(
                json(
                    "{\"name\":\"operations/submit-1\",\"done\":true,\"response\":{"
                        + "\"serviceConfig\":{\"id\":\"2026-11-23r0\"}}}")));
    wm.stubFor(
        post(urlPathEqualTo("/v1/services/" + SVC + "/rollouts"))
            .willReturn(
                json(
                    "{\"name\":\"operations/rollout-1\",\"done\":true,\"response\":{"
                        + "\"rolloutId\":\"2026-11-23r1\"}}")));
    ApiConfigs.Rollout r = configs.submitAndRollOut(SVC, YAML);
    assertThat(r.configId()).isEqualTo("2026-11-23r0");
    assertThat(r.rolloutId()).isEqualTo("2026-11-23r1");
    String b64 = Base64.getEncoder().encodeToString(YAML.getBytes(StandardCharsets.UTF_8));
    wm.verify(
        postRequestedFor(urlPathEqualTo("/v1/services/" + SVC + "/configs:submit"))
            .withRequestBody(
                equalToJson(
                    "{\"configSource\":{\"files\":[{\"filePath\":\"openapi.yaml\","
                        + "\"fileContents\":\""
                        + b64
                        + "\",\"fileType\":\"OPEN_API_YAML\"}]}}")));
    wm.verify(
        postRequestedFor(urlPathEqualTo("/v1/services/" + SVC + "/rollouts"))
            .withRequestBody(
                matchingJsonPath("$.trafficPercentStrategy.percentages['2026-11-23r0']")));
  }

  @Test
  void a_refused_document_is_invalid_with_the_apis_message() {
    wm.stubFor(
        post(urlPathEqualTo("/v1/services/" + SVC + "/configs:submit"))
            .willReturn(
                json(
                    "{\"name\":\"operations/submit-2\",\"done\":true,\"error\":{\"code\":3,"
                        + "\"message\":\"Cannot convert to service config: paths missing\"}}")));
    assertThatThrownBy(() -> configs.submitAndRollOut(SVC, YAML))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("paths missing");
            });
  }

  @Test
  void permission_denied_is_classified() {
    wm.stubFor(
        post(urlPathEqualTo("/v1/services/" + SVC + "/configs:submit"))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"error\":{\"code\":403,\"message\":\"denied\",\"status\":\"PERMISSION_DENIED\"}}")));
    assertThatThrownBy(() -> configs.submitAndRollOut(SVC, YAML))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.PERMISSION_DENIED));
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(
      String body) {
    return aResponse().withHeader("Content-Type", "application/json").withBody(body);
  }
}
