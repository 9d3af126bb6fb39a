package dev.mlcp.platform.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.ServiceAccountSigner;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Signs bytes with the IAM Credentials API's {@code signBlob} as a service account, so that V4
 * signed URLs need no private key on disk: the service signs as itself (it needs {@code
 * iam.serviceAccounts.signBlob} on its own account, e.g. Service Account Token Creator on itself).
 * The account and the access token are resolved lazily, on the first signature, so nothing is
 * fetched at start-up.
 */
public final class IamCredentialsSigner implements ServiceAccountSigner {

  private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9._-]+@[A-Za-z0-9.-]+");

  /** Google's endpoint. */
  public static final String DEFAULT_ENDPOINT = "https://iamcredentials.googleapis.com";

  private final Supplier<String> account;
  private final String endpoint;
  private final Supplier<String> accessToken;
  private final HttpClient http;
  private volatile String resolvedAccount;

  /**
   * @param account the service account's email (resolved on first use)
   * @param endpoint the API's base URL, e.g. {@link #DEFAULT_ENDPOINT}
   * @param accessToken a fresh OAuth access token of the caller; null sends none (local servers)
   */
  public IamCredentialsSigner(
      Supplier<String> account, String endpoint, Supplier<String> accessToken) {
    this.account = Objects.requireNonNull(account, "account");
    this.endpoint =
        endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    this.accessToken = accessToken;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  public String getAccount() {
    String a = resolvedAccount;
    if (a == null) {
      a = account.get();
      if (a == null || a.isBlank()) {
        throw new SigningException("no service account to sign as", null);
      }
      resolvedAccount = a;
    }
    return a;
  }

  @Override
  public byte[] sign(byte[] toSign) {
    String email = getAccount();
    if (!ACCOUNT.matcher(email).matches()) {
      throw new SigningException("not a service account email: " + email, null);
    }
    URI uri = URI.create(endpoint + "/v1/projects/-/serviceAccounts/" + email + ":signBlob");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json");
    if (accessToken != null) {
      request.header("Authorization", "Bearer " + accessToken.get());
    }
    try {
      String body =
          Json.MAPPER.writeValueAsString(
              Map.of("payload", Base64.getEncoder().encodeToString(toSign)));
      HttpResponse<String> response =
          http.send(
              request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        String message =
            "IAM Credentials signBlob as "
                + email
                + " answered "
                + response.statusCode()
                + ": "
                + errorMessage(response.body());
        // The classified cause travels inside: signUrl callers unwrap it.
        throw new SigningException(
            message, new PlatformException(kindOf(response.statusCode()), "signBlob", message));
      }
      JsonNode answer = Json.MAPPER.readTree(response.body());
      String signed = answer.path("signedBlob").asText("");
      if (signed.isEmpty()) {
        throw new SigningException("IAM Credentials signBlob answered no signedBlob", null);
      }
      return Base64.getDecoder().decode(signed);
    } catch (IOException e) {
      throw new SigningException("IAM Credentials signBlob failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SigningException("interrupted while signing", e);
    }
  }

  private static PlatformException.Kind kindOf(int status) {
    if (status == 401 || status == 403) {
      return PlatformException.Kind.PERMISSION_DENIED;
    }
    if (status == 404) {
      return PlatformException.Kind.NOT_FOUND;
    }
    if (status == 429 || status >= 500) {
      return PlatformException.Kind.TRANSIENT;
    }
    return PlatformException.Kind.INVALID_ARGUMENT;
  }

  private static String errorMessage(String body) {
    try {
      return Json.MAPPER.readTree(body).path("error").path("message").asText(body);
    } catch (IOException e) {
      return body.length() > 200 ? body.substring(0, 200) : body;
    }
  }
}
