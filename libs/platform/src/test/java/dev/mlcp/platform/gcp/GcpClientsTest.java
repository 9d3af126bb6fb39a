package dev.mlcp.platform.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import org.junit.jupiter.api.Test;

/** Credentials follow {@code mlcp.endpoints.emulator}, not the shape of the endpoint. */
class GcpClientsTest {
  static final CredentialsProvider DEFAULTS =
      FixedCredentialsProvider.create(GoogleCredentials.create(new AccessToken("t", null)));

  @Test
  void an_emulator_override_is_called_without_credentials() {
    assertThat(GcpClients.credentials("http://127.0.0.1:8089", true, DEFAULTS))
        .isInstanceOf(NoCredentialsProvider.class);
    assertThat(GcpClients.credentials("emulator.internal:9000", true, DEFAULTS))
        .isInstanceOf(NoCredentialsProvider.class);
  }

  @Test
  void a_loopback_override_that_is_not_declared_an_emulator_keeps_the_credentials() {
    assertThat(GcpClients.credentials("http://127.0.0.1:8089", false, DEFAULTS)).isSameAs(DEFAULTS);
    assertThat(GcpClients.credentials("localhost:443", false, DEFAULTS)).isSameAs(DEFAULTS);
  }

  @Test
  void without_an_override_the_flag_changes_nothing() {
    assertThat(GcpClients.credentials(null, true, DEFAULTS)).isSameAs(DEFAULTS);
  }
}
