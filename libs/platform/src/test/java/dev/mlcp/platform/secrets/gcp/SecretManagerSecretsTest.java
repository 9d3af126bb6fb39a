package dev.mlcp.platform.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import dev.mlcp.platform.gcp.InProcessGrpc;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.Secrets;
import dev.mlcp.platform.secrets.SecretsContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SecretManagerSecretsTest extends SecretsContract {

  private FakeSecretManager fake;
  private InProcessGrpc server;
  private SecretManagerSecrets secrets;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeSecretManager();
    server = fake.server();
    SecretManagerServiceSettings.Builder settings =
        SecretManagerServiceSettings.newBuilder()
            .setTransportChannelProvider(server.channelProvider())
            .setCredentialsProvider(NoCredentialsProvider.create());
    settings.applyToAllUnaryMethods(
        m -> {
          m.setRetryableCodes(Set.of());
          return null;
        });
    secrets =
        new SecretManagerSecrets(
            "proj",
            SecretManagerServiceClient.create(settings.build()),
            new Retrier(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))));
  }

  @AfterEach
  void stop() throws Exception {
    secrets.close();
    server.close();
  }

  @Override
  protected Secrets secrets() {
    return secrets;
  }

  @Test
  void access_is_retried_on_unavailable() {
    secrets.create("flaky", Map.of());
    secrets.addVersion("flaky", SecretValue.ofUtf8("v"));
    fake.failNextAccesses.set(2);

    try (SecretValue value = secrets.access("flaky", Secrets.LATEST)) {
      assertThat(new String(value.bytes(), StandardCharsets.UTF_8)).isEqualTo("v");
    }
    assertThat(fake.accessCalls.get()).isEqualTo(3);
  }

  @Test
  void listing_pages_through_many_secrets() {
    for (int i = 0; i < 260; i++) {
      secrets.create("s-" + i, Map.of("n", Integer.toString(i)));
    }

    assertThat(secrets.list()).hasSize(260);
  }
}
