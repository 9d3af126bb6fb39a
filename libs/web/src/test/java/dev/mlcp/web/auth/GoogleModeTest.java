package dev.mlcp.web.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Google mode as in the cloud: OIDC discovery and JWKS fetched over HTTP, here from a WireMock
 * stand-in for accounts.google.com that publishes the test key.
 */
@QuarkusTest
@TestProfile(GoogleModeTest.GoogleProfile.class)
class GoogleModeTest {

  /** Google mode pointed at the stand-in. */
  public static class GoogleProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(FakeGoogle.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      // An empty value unsets the local key the other tests use.
      return Map.of(
          "mlcp.auth.mode", "google",
          "mlcp.auth.local.public-key-location", "",
          "mlcp.auth.issuers", "");
    }
  }

  /** Serves Google's discovery document shape and a JWKS with the test key. */
  public static class FakeGoogle implements QuarkusTestResourceLifecycleManager {
    private WireMockServer server;

    @Override
    public Map<String, String> start() {
      server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
      server.start();
      String base = "http://127.0.0.1:" + server.port();
      server.stubFor(
          get(urlEqualTo("/.well-known/openid-configuration"))
              .willReturn(
                  aResponse()
                      .withHeader("Content-Type", "application/json")
                      .withBody(
                          """
                          {"issuer": "https://accounts.google.com",
                           "jwks_uri": "%s/oauth2/v3/certs",
                           "id_token_signing_alg_values_supported": ["RS256"]}
                          """
                              .formatted(base))));
      server.stubFor(
          get(urlEqualTo("/oauth2/v3/certs"))
              .willReturn(
                  aResponse()
                      .withHeader("Content-Type", "application/json")
                      .withBody(TestTokens.jwks())));
      return Map.of("mlcp.auth.google.auth-server-url", base);
    }

    @Override
    public void stop() {
      if (server != null) {
        server.stop();
      }
    }
  }

  @Test
  void google_id_token_verified_through_discovered_jwks_is_accepted() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").sign())
        .get("/example/me")
        .then()
        .statusCode(200)
        .body("email", equalTo("ann@example.com"));
  }

  @Test
  void both_google_issuer_spellings_are_accepted_by_default() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").issuer("accounts.google.com").sign())
        .get("/example/me")
        .then()
        .statusCode(200);
  }

  @Test
  void local_issuer_is_not_accepted_in_google_mode() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").issuer("https://mlcp.local").sign())
        .get("/example/me")
        .then()
        .statusCode(401);
  }

  @Test
  void token_signed_by_a_key_google_does_not_publish_is_401() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").signedWithOtherKey().sign())
        .get("/example/me")
        .then()
        .statusCode(401)
        .body("status", equalTo(401));
  }
}
