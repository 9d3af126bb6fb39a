package dev.mlcp.platform.objects.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.ServiceAccountSigner;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Waits;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Signs with a service account's Google-managed key through the IAM Credentials API ({@code
 * projects/-/serviceAccounts/<account>:signBlob}), authenticated as the running service (on Cloud
 * Run, its own service account, which needs {@code iam.serviceAccounts.signBlob} on {@code
 * account}, usually itself). No private key is ever held by the service: V4 signed URLs of {@link
 * GcsObjectStore#downloadUrl} are made this way when a signing account is configured.
 */
public final class IamCredentialsSigner implements ServiceAccountSigner {
  /** Google's endpoint of the IAM Credentials API. */
  public static final String DEFAULT_ENDPOINT = "https://iamcredentials.googleapis.com";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 3;

  private final String account;
  private final String endpoint;
  private final GoogleCredentials credentials;
  private final HttpClient http;

  /**
   * @param account email of the service account whose key signs
   * @param endpoint the API's base URL ({@link #DEFAULT_ENDPOINT}, or a local stand-in)
   * @param credentials the caller's credentials; null only for a local stand-in
   */
  public IamCredentialsSigner(String account, String endpoint, GoogleCredentials credentials) {
    if (account == null || !account.contains("@")) {
      throw new IllegalArgumentException("the signing account must be an email: " + account);
    }
    this.account = account;
    this.endpoint =
        endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    this.credentials = credentials;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  public String getAccount() {
    return account;
  }

  @Override
  public byte[] sign(byte[] toSign) {
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("payload", Base64.getEncoder().encodeToString(toSign)));
    } catch (IOException e) {
      throw new SigningException("cannot encode the signBlob request", e);
    }
    URI uri =
        URI.create(
            endpoint
                + "/v1/projects/-/serviceAccounts/"
                + URLEncoder.encode(account, StandardCharsets.UTF_8)
                + ":signBlob");
    Exception last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        String token = accessToken();
        if (token != null) {
          request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          JsonNode signed = JSON.readTree(response.body()).path("signedBlob");
          if (!signed.isTextual()) {
            throw new SigningException("signBlob answered without signedBlob", null);
          }
          return Base64.getDecoder().decode(signed.asText());
        }
        last =
            new Refused(
                response.statusCode(),
                "signBlob for "
                    + account
                    + " answered "
                    + response.statusCode()
                    + ": "
                    + brief(response.body()));
        // Only throttling and server errors may succeed when repeated.
        if (response.statusCode() != 429 && response.statusCode() < 500) {
          break;
        }
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SigningException("interrupted while signing", e);
      }
      try {
        Waits.sleep(200L * attempt, "signing");
      } catch (PlatformException e) {
        throw new SigningException("interrupted while signing", e);
      }
    }
    throw new SigningException("cannot sign with " + account + " through IAM Credentials", last);
  }

  /** The API's answer when it is not a signature: its HTTP status, for classification. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status of the answer. */
    public int status() {
      return status;
    }
  }

  private String accessToken() throws IOException {
    if (credentials == null) {
      return null;
    }
    credentials.refreshIfExpired();
    AccessToken token = credentials.getAccessToken();
    return token == null ? null : token.getTokenValue();
  }

  /** The default credentials of this process, scoped for the IAM Credentials API. */
  public static GoogleCredentials applicationDefault() {
    try {
      return GoogleCredentials.getApplicationDefault()
          .createScoped(List.of("https://www.googleapis.com/auth/cloud-platform"));
    } catch (IOException e) {
      throw new IllegalStateException(
          "no application default credentials to call the IAM Credentials API with", e);
    }
  }

  private static String brief(String body) {
    String b = body == null ? "" : body.replaceAll("\\s+", " ");
    return b.length() > 300 ? b.substring(0, 300) + "…" : b;
  }
}
