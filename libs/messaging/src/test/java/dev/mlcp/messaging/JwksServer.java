package dev.mlcp.messaging;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Serves the test key's JWKS in place of Google's, for the pubsub-push OIDC tenant. */
public class JwksServer implements QuarkusTestResourceLifecycleManager {
  private WireMockServer server;

  @Override
  public Map<String, String> start() {
    server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    server.stubFor(
        get(urlEqualTo("/oauth2/v3/certs"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(TestTokens.jwks())));
    return Map.of("mlcp.pubsub.push.jwks-url", server.baseUrl() + "/oauth2/v3/certs");
  }

  @Override
  public void stop() {
    if (server != null) {
      server.stop();
    }
  }
}
