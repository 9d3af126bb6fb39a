package dev.mlcp.experiments.artifacts;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.StorageOptions;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectListing;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.gcp.FakeGcsServerAccess;
import dev.mlcp.platform.objects.gcp.GcsObjectStore;
import dev.mlcp.platform.objects.gcp.IamCredentialsSigner;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Browsing the artifacts root folder by folder and downloading: signed on GCS, streamed locally.
 */
class ArtifactServiceTest {
  @TempDir Path dir;

  private static void put(ObjectStore store, String name, String content) {
    store.write(
        ObjectUri.parse("gs://mlcp-artifacts/" + name),
        content.getBytes(StandardCharsets.UTF_8),
        "application/octet-stream",
        WriteCondition.none());
  }

  private static ArtifactService artifacts(ObjectStore store) {
    put(store, "models/churn/v1/model.json", "{\"w\": [1, 2]}");
    put(store, "models/churn/v1/metrics.json", "{}");
    put(store, "models/churn/v2/model.json", "{}");
    put(store, "models/README.md", "models");
    put(store, "staging/run-1/model.json", "{}");
    return new ArtifactService(
        store, ObjectUri.parse("gs://mlcp-artifacts/models"), Duration.ofMinutes(15));
  }

  @Test
  void a_folder_lists_its_objects_and_sub_folders_relative_to_the_root() {
    ArtifactService artifacts = artifacts(new LocalDirectoryObjectStore(dir));

    ObjectListing root = artifacts.list("", 50, null);
    ObjectListing churn = artifacts.list("churn/", 50, null);

    assertThat(root.prefixes()).containsExactly("models/churn/");
    assertThat(root.objects())
        .extracting(m -> artifacts.relative(m.uri().name()))
        .containsExactly("README.md");
    assertThat(churn.prefixes())
        .extracting(artifacts::relative)
        .containsExactly("churn/v1/", "churn/v2/");
    assertThat(artifacts.list("churn/v1/", 1, null).nextPageToken()).isNotNull();
  }

  @Test
  void paths_cannot_leave_the_root() {
    ArtifactService artifacts = artifacts(new LocalDirectoryObjectStore(dir));

    for (String bad :
        new String[] {"../staging/run-1/model.json", "/etc/passwd", "a//b", "churn/./x", "a\\b"}) {
      assertThatThrownBy(() -> artifacts.download(bad))
          .as(bad)
          .isInstanceOf(InvalidArtifactPathException.class);
    }
    assertThatThrownBy(() -> artifacts.list("../staging/", 10, null))
        .isInstanceOf(InvalidArtifactPathException.class);
  }

  @Test
  void locally_a_download_is_the_bytes_themselves() throws Exception {
    ArtifactService artifacts = artifacts(new LocalDirectoryObjectStore(dir));

    ArtifactService.Download download = artifacts.download("churn/v1/model.json");

    assertThat(download.url()).isNull();
    try (var read = download.read()) {
      assertThat(new String(read.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("{\"w\": [1, 2]}");
    }
    assertThatThrownBy(() -> artifacts.download("churn/v9/model.json"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }

  @Test
  void on_cloud_storage_a_download_is_a_url_signed_through_iam_as_the_service() throws Exception {
    WireMockServer iam = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    iam.start();
    iam.stubFor(
        post(urlPathEqualTo(
                "/v1/projects/-/serviceAccounts/experiment-vm%40proj.iam.gserviceaccount.com:signBlob"))
            .willReturn(
                okJson(
                    "{\"keyId\":\"k\",\"signedBlob\":\""
                        + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})
                        + "\"}")));
    try (FakeGcsServerAccess gcs = new FakeGcsServerAccess(dir.resolve("gcs"))) {
      GcsObjectStore store =
          new GcsObjectStore(
              StorageOptions.newBuilder()
                  .setHost(gcs.baseUrl())
                  .setProjectId("proj")
                  .setCredentials(NoCredentials.getInstance())
                  .build()
                  .getService(),
              new IamCredentialsSigner(
                  "experiment-vm@proj.iam.gserviceaccount.com", iam.baseUrl(), null));
      ArtifactService artifacts = artifacts(store);

      ObjectListing churn = artifacts.list("churn/", 50, null);
      ArtifactService.Download download = artifacts.download("churn/v1/model.json");

      assertThat(churn.prefixes()).containsExactly("models/churn/v1/", "models/churn/v2/");
      assertThat(download.read()).isNull();
      assertThat(download.url().toString())
          .contains("/mlcp-artifacts/models/churn/v1/model.json")
          .contains("X-Goog-Credential=experiment-vm%40proj.iam.gserviceaccount.com")
          .contains("X-Goog-Signature=010203")
          .contains("X-Goog-Expires=900");
    } finally {
      iam.stop();
    }
  }
}
