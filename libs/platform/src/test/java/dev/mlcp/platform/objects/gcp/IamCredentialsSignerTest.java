package dev.mlcp.platform.objects.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectUri;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Download URLs signed through the IAM Credentials API (signBlob) as the service itself, against a
 * WireMock stand-in of the API: no key is held by the service.
 */
class IamCredentialsSignerTest {
  private static final String ACCOUNT = "artifact-writer@proj.iam.gserviceaccount.com";
  private static final byte[] SIGNATURE = "signature-from-iam".getBytes(StandardCharsets.UTF_8);
  private static final String SIGN_PATH =
      "/v1/projects/-/serviceAccounts/artifact-writer%40proj.iam.gserviceaccount.com:signBlob";

  private WireMockServer iam;

  @BeforeEach
  void start() {
    iam = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    iam.start();
  }

  @AfterEach
  void stop() {
    iam.stop();
  }

  private GcsObjectStore store() {
    // The storage host is never called: signing a URL is local but for the signBlob call.
    return new GcsObjectStore(
        GcsObjectStoreTest.storage("http://127.0.0.1:9"),
        new IamCredentialsSigner(ACCOUNT, iam.baseUrl(), null));
  }

  @Test
  void v4_url_carries_the_signature_iam_returned_for_the_string_to_sign() throws Exception {
    iam.stubFor(
        post(urlPathEqualTo(SIGN_PATH))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"keyId\":\"k1\",\"signedBlob\":\""
                            + Base64.getEncoder().encodeToString(SIGNATURE)
                            + "\"}")));

    String url =
        store()
            .downloadUrl(
                ObjectUri.parse("gs://mlcp-models/models/churn/versions/3/model.json"),
                Duration.ofMinutes(15))
            .toString();

    assertThat(url)
        .contains("/mlcp-models/models/churn/versions/3/model.json")
        .contains("X-Goog-Algorithm=GOOG4-RSA-SHA256")
        .contains("X-Goog-Credential=artifact-writer%40proj.iam.gserviceaccount.com")
        .contains("X-Goog-Expires=900")
        .contains("X-Goog-Signature=" + HexFormat.of().formatHex(SIGNATURE));
    String body = iam.findAll(postRequestedFor(urlPathEqualTo(SIGN_PATH))).get(0).getBodyAsString();
    String payload =
        new String(
            Base64.getDecoder().decode(new ObjectMapper().readTree(body).path("payload").asText()),
            StandardCharsets.UTF_8);
    assertThat(payload).startsWith("GOOG4-RSA-SHA256\n");
  }

  @Test
  void refused_signing_is_a_platform_failure_naming_the_account() {
    iam.stubFor(
        post(urlPathEqualTo(SIGN_PATH))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\"}}")));

    assertThatThrownBy(
            () ->
                store()
                    .downloadUrl(
                        ObjectUri.parse("gs://mlcp-models/models/churn/versions/3/model.json"),
                        Duration.ofMinutes(15)))
        .isInstanceOf(PlatformException.class)
        .hasMessageContaining(ACCOUNT);
    // 403 is final: no retries.
    assertThat(iam.findAll(postRequestedFor(urlPathEqualTo(SIGN_PATH)))).hasSize(1);
  }
}
