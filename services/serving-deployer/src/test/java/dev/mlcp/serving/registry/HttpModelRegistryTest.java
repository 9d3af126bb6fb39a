package dev.mlcp.serving.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.serving.rollouts.ModelRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry client against WireMock standing in for artifact-writer's API. */
class HttpModelRegistryTest {
  WireMockServer wm;
  HttpModelRegistry registry;

  @BeforeEach
  void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    registry = new HttpModelRegistry(wm.baseUrl(), () -> "tok-1", new ObjectMapper());
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  @Test
  void verify_returns_the_manifest_digest_and_uri_with_a_bearer_token() {
    wm.stubFor(
        get(urlPathEqualTo("/v1/models/churn/versions/v3:verify"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"model\":\"churn\",\"version\":\"v3\",\"verified\":true,"
                            + "\"sha256\":\"ABC\",\"uri\":\"gs://reg/models/churn/versions/3/\"}")));
    ModelRegistry.VerifiedVersion v = registry.verify("churn", "v3");
    assertThat(v.sha256()).isEqualTo("abc");
    assertThat(v.uri()).isEqualTo("gs://reg/models/churn/versions/3/");
    wm.verify(
        getRequestedFor(urlPathEqualTo("/v1/models/churn/versions/v3:verify"))
            .withHeader("Authorization", equalTo("Bearer tok-1")));
  }

  @Test
  void a_failed_verify_carries_the_problem_detail_naming_the_file() {
    wm.stubFor(
        get(urlPathEqualTo("/v1/models/churn/versions/v3:verify"))
            .willReturn(
                aResponse()
                    .withStatus(409)
                    .withHeader("Content-Type", "application/problem+json")
                    .withBody(
                        "{\"type\":\"urn:mlcp:problem:conflict\",\"status\":409,"
                            + "\"detail\":\"model.json differs from the manifest\"}")));
    assertThatThrownBy(() -> registry.verify("churn", "v3"))
        .isInstanceOf(ModelRegistry.VerificationFailedException.class)
        .hasMessageContaining("409")
        .hasMessageContaining("model.json differs from the manifest");
  }

  @Test
  void a_5xx_means_ask_again_later() {
    wm.stubFor(
        get(urlPathEqualTo("/v1/models/churn/versions/v3:verify"))
            .willReturn(aResponse().withStatus(503)));
    assertThatThrownBy(() -> registry.verify("churn", "v3"))
        .isInstanceOf(ModelRegistry.RegistryUnavailableException.class);
  }

  @Test
  void verify_without_uri_reads_the_version() {
    wm.stubFor(
        get(urlPathEqualTo("/v1/models/churn/versions/v3:verify"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"sha256\":\"ab\"}")));
    wm.stubFor(
        get(urlPathEqualTo("/v1/models/churn/versions/v3"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"uri\":\"gs://reg/models/churn/versions/3/\"}")));
    assertThat(registry.verify("churn", "v3").uri()).isEqualTo("gs://reg/models/churn/versions/3/");
  }

  @Test
  void alias_resolves_to_its_version() {
    wm.stubFor(
        get(urlPathEqualTo("/v1/models/churn/aliases/production"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"alias\":\"production\",\"version\":\"v4\"}")));
    assertThat(registry.resolveAlias("churn", "production")).isEqualTo("v4");
  }
}
