package dev.mlcp.platform.serving.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.GoogleCredentials;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.GcpErrors;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.Waits;
import dev.mlcp.platform.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * JSON calls to a Google REST API (Cloud Monitoring, Service Management, whose client libraries
 * this build does not carry) through google-auth-library's HTTP transport: Application Default
 * Credentials, none against an emulator or test server ({@code mlcp.endpoints.emulator}). Errors
 * become {@link PlatformException}s by HTTP status and the JSON error body; reads and calls the
 * caller marks idempotent are retried on transient failures.
 */
final class GoogleRest {

  private final String baseUrl;
  private final HttpRequestFactory requests;
  private final Retrier retrier;

  GoogleRest(String baseUrl, GoogleCredentials credentials, Retrier retrier) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    NetHttpTransport transport = new NetHttpTransport();
    this.requests =
        credentials == null
            ? transport.createRequestFactory()
            : transport.createRequestFactory(new HttpCredentialsAdapter(credentials));
    this.retrier = retrier;
  }

  /** Application Default Credentials, or none for an emulator or test server. */
  static GoogleCredentials credentialsFor(String endpoint, boolean emulator) {
    if (emulator) {
      return null;
    }
    try {
      return GoogleCredentials.getApplicationDefault()
          .createScoped("https://www.googleapis.com/auth/cloud-platform");
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.PERMISSION_DENIED,
          "noCredentials",
          "no Application Default Credentials for " + endpoint + ": " + e.getMessage(),
          e);
    }
  }

  JsonNode get(String what, String pathAndQuery) {
    return retrier.call(what, true, () -> send(what, "GET", pathAndQuery, null));
  }

  JsonNode post(String what, String path, JsonNode body, boolean idempotent) {
    return retrier.call(what, idempotent, () -> send(what, "POST", path, body));
  }

  /** Polls a long-running operation ({@code operations/…}) until done; its error is thrown. */
  JsonNode await(String what, JsonNode operation, Duration timeout, Duration poll, Clock clock) {
    Instant deadline = clock.instant().plus(timeout);
    JsonNode current = operation;
    long wait = Math.max(1, poll.toMillis());
    while (!current.path("done").asBoolean(false)) {
      if (clock.instant().isAfter(deadline)) {
        throw new PlatformException(
            PlatformException.Kind.TRANSIENT,
            "OPERATION_TIMEOUT",
            "cannot " + what + ": operation " + operation.path("name").asText() + " not done");
      }
      Waits.sleep(wait, "polling");
      wait = Math.min(wait * 2, 5_000);
      current = get("poll " + what, "/v1/" + operation.path("name").asText());
    }
    JsonNode error = current.path("error");
    if (!error.isMissingNode() && !error.isNull()) {
      int code = error.path("code").asInt(2);
      throw new PlatformException(
          grpcKind(code),
          "operation-" + code,
          "cannot " + what + ": " + error.path("message").asText("operation failed"));
    }
    return current.path("response");
  }

  private static PlatformException.Kind grpcKind(int code) {
    return switch (code) {
      case 3, 9, 11 -> PlatformException.Kind.INVALID_ARGUMENT;
      case 5 -> PlatformException.Kind.NOT_FOUND;
      case 6 -> PlatformException.Kind.ALREADY_EXISTS;
      case 7, 16 -> PlatformException.Kind.PERMISSION_DENIED;
      case 8 -> PlatformException.Kind.QUOTA_EXCEEDED;
      case 10 -> PlatformException.Kind.CONFLICT;
      default -> PlatformException.Kind.TRANSIENT;
    };
  }

  private JsonNode send(String what, String method, String pathAndQuery, JsonNode body) {
    try {
      HttpRequest request =
          requests.buildRequest(
              method,
              new GenericUrl(baseUrl + pathAndQuery),
              body == null
                  ? null
                  : new ByteArrayContent("application/json", Json.MAPPER.writeValueAsBytes(body)));
      request.setThrowExceptionOnExecuteError(true);
      request.setNumberOfRetries(0);
      request.setConnectTimeout(10_000);
      request.setReadTimeout(60_000);
      HttpResponse response = request.execute();
      try (InputStream in = response.getContent()) {
        return in == null ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(in);
      } finally {
        response.disconnect();
      }
    } catch (HttpResponseException e) {
      String reason = null;
      String message = e.getStatusMessage();
      try {
        JsonNode error = Json.MAPPER.readTree(e.getContent()).path("error");
        message = error.path("message").asText(message);
        reason = error.path("status").asText(null);
      } catch (IOException | RuntimeException ignored) {
        // not a JSON error body: the status line is the message
      }
      return fail(what, e.getStatusCode(), reason, message, e);
    } catch (IOException e) {
      throw GcpErrors.classify(what, e);
    }
  }

  private static JsonNode fail(
      String what, int status, String reason, String message, Exception cause) {
    throw new PlatformException(
        GcpErrors.byHttpStatus(status, reason),
        reason != null ? reason : Integer.toString(status),
        "cannot " + what + ": " + message,
        cause);
  }
}
