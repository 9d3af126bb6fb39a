package dev.mlcp.platform.objects.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.StorageRetryStrategy;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectStoreContract;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcsObjectStoreTest extends ObjectStoreContract {

  @TempDir Path dir;
  private FakeGcsServer gcs;
  private GcsObjectStore store;

  /** A Storage client for a local server: no credentials, fast bounded retries. */
  static Storage storage(String host) {
    return StorageOptions.newBuilder()
        .setHost(host)
        .setProjectId("proj")
        .setCredentials(NoCredentials.getInstance())
        .setStorageRetryStrategy(StorageRetryStrategy.getDefaultStorageRetryStrategy())
        .setRetrySettings(
            StorageOptions.getDefaultRetrySettings().toBuilder()
                .setMaxAttempts(4)
                .setInitialRetryDelayDuration(Duration.ofMillis(1))
                .setMaxRetryDelayDuration(Duration.ofMillis(5))
                .build())
        .build()
        .getService();
  }

  /** A signer with a throw-away key: URLs are signed offline, as with a service-account key. */
  static ServiceAccountCredentials signer() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return ServiceAccountCredentials.newBuilder()
        .setClientEmail("signer@proj.iam.gserviceaccount.com")
        .setPrivateKey((RSAPrivateKey) generator.generateKeyPair().getPrivate())
        .build();
  }

  @BeforeEach
  void start() throws Exception {
    gcs = new FakeGcsServer(dir);
    store = new GcsObjectStore(storage(gcs.baseUrl()), signer());
  }

  @AfterEach
  void stop() {
    store.close();
    gcs.close();
  }

  @Override
  protected ObjectStore store() {
    return store;
  }

  @Override
  protected String bucket() {
    return "mlcp-test";
  }

  @Test
  void signed_url_is_a_v4_signature_for_the_object() {
    store.write(
        ObjectUri.parse("gs://mlcp-test/models/m.bin"),
        "x".getBytes(StandardCharsets.UTF_8),
        null,
        WriteCondition.none());

    String url =
        store
            .downloadUrl(ObjectUri.parse("gs://mlcp-test/models/m.bin"), Duration.ofMinutes(10))
            .toString();

    assertThat(url)
        .contains("/mlcp-test/models/m.bin")
        .contains("X-Goog-Algorithm=GOOG4-RSA-SHA256")
        .contains("X-Goog-Expires=600");
  }
}
