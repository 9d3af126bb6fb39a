package dev.mlcp.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Endpoints;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.auth.TokenSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The services' REST APIs: JSON in and out, bearer tokens, errors as {@link ApiError}. */
public final class Api {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Endpoints endpoints;
  private final TokenSource tokens;
  private final HttpClient http;

  /** Calls the services of {@code endpoints} with tokens from {@code tokens}. */
  public Api(Endpoints endpoints, TokenSource tokens) {
    this.endpoints = endpoints;
    this.tokens = tokens;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** A request being built: method, path, query, headers, body. */
  public final class Call {
    private final Service service;
    private final String method;
    private final String path;
    private final Map<String, String> query = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Object body;

    private Call(Service service, String method, String path) {
      this.service = service;
      this.method = method;
      this.path = path;
    }

    /** Adds {@code name=value} to the query unless value is null. */
    public Call query(String name, Object value) {
      if (value != null) {
        query.put(name, value.toString());
      }
      return this;
    }

    /** Adds a header unless value is null. */
    public Call header(String name, String value) {
      if (value != null) {
        headers.put(name, value);
      }
      return this;
    }

    /** The JSON body (a tree, a map or a record). */
    public Call body(Object json) {
      this.body = json;
      return this;
    }

    /** Sends it and parses the JSON answer ({@link NullNode} for an empty one). */
    public JsonNode json() {
      HttpResponse<String> r =
          send(request("application/json"), HttpResponse.BodyHandlers.ofString());
      String text = r.body();
      if (text == null || text.isBlank()) {
        return NullNode.getInstance();
      }
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new CliException(
            Exit.ERROR, service.id() + " answered " + r.statusCode() + " with no JSON: " + text);
      }
    }

    /** Sends it and returns the text answer. */
    public String text() {
      return send(request("text/plain"), HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Sends it and reads the answer as Server-Sent Events until the stream ends or the listener
     * returns false.
     */
    public void events(Sse.Listener listener) {
      HttpRequest.Builder b = request("text/event-stream");
      // A follow lasts as long as the run: no request timeout (the server sends keep-alives).
      HttpResponse<InputStream> r =
          send(b.timeout(Duration.ofDays(7)), HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        Sse.read(in, listener);
      } catch (IOException e) {
        throw new CliException(
            Exit.ERROR, "the event stream of " + service.id() + " broke: " + e.getMessage(), e);
      }
    }

    private HttpRequest.Builder request(String accept) {
      URI base = endpoints.of(service);
      StringBuilder url = new StringBuilder(base.toString()).append(path);
      char sep = '?';
      for (Map.Entry<String, String> q : query.entrySet()) {
        url.append(sep).append(enc(q.getKey())).append('=').append(enc(q.getValue()));
        sep = '&';
      }
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(url.toString()))
              .timeout(TIMEOUT)
              .header("Accept", accept + ", application/problem+json")
              .header("User-Agent", "mlcp-cli")
              .header("Authorization", "Bearer " + tokens.token(base));
      headers.forEach(b::header);
      if (body != null) {
        try {
          b.header("Content-Type", "application/json")
              .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      } else {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      }
      return b;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) {
      HttpRequest request = b.build();
      HttpResponse<T> r;
      try {
        r = http.send(request, handler);
      } catch (ConnectException e) {
        throw new CliException(
            Exit.ERROR,
            "cannot reach "
                + service.id()
                + " at "
                + endpoints.of(service)
                + (endpoints.mode() == dev.mlcp.cli.Mode.LOCAL
                    ? " (is local mode up? mlcp local status)"
                    : ""),
            e);
      } catch (HttpConnectTimeoutException e) {
        throw new CliException(Exit.ERROR, "connecting to " + service.id() + " timed out", e);
      } catch (HttpTimeoutException e) {
        throw new CliException(
            Exit.ERROR, service.id() + " did not answer in " + TIMEOUT.toSeconds() + " s", e);
      } catch (IOException e) {
        throw new CliException(Exit.ERROR, service.id() + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(Exit.INTERRUPTED, "interrupted", e);
      }
      if (r.statusCode() >= 300) {
        String raw = readError(r.body());
        JsonNode problem = null;
        try {
          problem = raw == null || raw.isBlank() ? null : JSON.readTree(raw);
        } catch (IOException e) {
          problem = null;
        }
        throw new ApiError(r.statusCode(), problem, raw);
      }
      return r;
    }
  }

  private static String readError(Object body) {
    if (body instanceof String s) {
      return s;
    }
    if (body instanceof InputStream in) {
      try (in) {
        return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return null;
      }
    }
    return null;
  }

  /** {@code GET path}. */
  public Call get(Service service, String path) {
    return new Call(service, "GET", path);
  }

  /** {@code POST path}. */
  public Call post(Service service, String path) {
    return new Call(service, "POST", path);
  }

  /** {@code PUT path}. */
  public Call put(Service service, String path) {
    return new Call(service, "PUT", path);
  }

  /** {@code DELETE path}. */
  public Call delete(Service service, String path) {
    return new Call(service, "DELETE", path);
  }

  /** The token source, for {@code mlcp auth}. */
  public TokenSource tokens() {
    return tokens;
  }

  /** A path segment, percent-encoded ({@code a b} → {@code a%20b}). */
  public static String seg(String segment) {
    return enc(segment);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
