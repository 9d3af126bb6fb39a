package dev.mlcp.platform.objects.gcp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.IamCredentialsSigner;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Download URLs on Cloud Storage are V4-signed through IAM Credentials {@code signBlob} as the
 * service's own account: the string to sign goes to the API, its signature comes back, and no key
 * is held anywhere.
 */
class IamSignedUrlTest {
  private static final String ACCOUNT = "experiment-vm@proj.iam.gserviceaccount.com";
  private static final String SIGN_PATH = "/v1/projects/-/serviceAccounts/" + ACCOUNT + ":signBlob";

  @TempDir Path dir;
  private final WireMockServer iam =
      new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
  private FakeGcsServer gcs;
  private GcsObjectStore store;

  @BeforeEach
  void start() throws Exception {
    iam.start();
    gcs = new FakeGcsServer(dir);
    store =
        new GcsObjectStore(
            GcsObjectStoreTest.storage(gcs.baseUrl()),
            new IamCredentialsSigner(() -> ACCOUNT, iam.baseUrl(), () -> "ya29.service-token"));
    store.write(
        ObjectUri.parse("gs://mlcp-test/exp/model.bin"),
        "weights".getBytes(StandardCharsets.UTF_8),
        null,
        WriteCondition.none());
  }

  @AfterEach
  void stop() {
    store.close();
    gcs.close();
    iam.stop();
  }

  @Test
  void the_string_to_sign_goes_to_sign_blob_and_its_signature_is_in_the_url() throws Exception {
    byte[] signature = new byte[256];
    Arrays.fill(signature, (byte) 0xab);
    iam.stubFor(
        post(urlPathEqualTo(SIGN_PATH))
            .willReturn(
                okJson(
                    "{\"keyId\":\"k1\",\"signedBlob\":\""
                        + Base64.getEncoder().encodeToString(signature)
                        + "\"}")));

    String url =
        store
            .downloadUrl(ObjectUri.parse("gs://mlcp-test/exp/model.bin"), Duration.ofMinutes(15))
            .toString();

    assertThat(url)
        .contains("/mlcp-test/exp/model.bin")
        .contains("X-Goog-Algorithm=GOOG4-RSA-SHA256")
        .contains("X-Goog-Credential=experiment-vm%40proj.iam.gserviceaccount.com%2F")
        .contains("X-Goog-Expires=900")
        .contains("X-Goog-Signature=" + HexFormat.of().formatHex(signature));
    LoggedRequest request =
        iam.findAll(
                postRequestedFor(urlPathEqualTo(SIGN_PATH))
                    .withHeader("Authorization", equalTo("Bearer ya29.service-token")))
            .get(0);
    String payload =
        new ObjectMapper().readTree(request.getBodyAsString()).path("payload").asText();
    assertThat(new String(Base64.getDecoder().decode(payload), StandardCharsets.UTF_8))
        .startsWith("GOOG4-RSA-SHA256\n");
  }

  @Test
  void a_refused_sign_blob_is_permission_denied_naming_the_account() {
    iam.stubFor(
        post(urlPathEqualTo(SIGN_PATH))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"error\":{\"code\":403,\"message\":\"Permission"
                            + " 'iam.serviceAccounts.signBlob' denied\"}}")));

    assertThatThrownBy(
            () ->
                store.downloadUrl(
                    ObjectUri.parse("gs://mlcp-test/exp/model.bin"), Duration.ofMinutes(15)))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.PERMISSION_DENIED);
              assertThat(e.getMessage()).contains(ACCOUNT).contains("signBlob");
            });
  }
}
