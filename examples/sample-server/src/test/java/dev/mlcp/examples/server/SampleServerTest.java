package dev.mlcp.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the server's Python unit tests, then the server itself as a process: it serves a verified
 * version and refuses (exit 3, the file named) a version whose manifest was tampered with.
 */
class SampleServerTest {
  static final Path HERE = Path.of("").toAbsolutePath();

  @TempDir Path dir;

  @Test
  void python_unit_tests_pass() throws Exception {
    Process p =
        new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-v")
            .directory(HERE.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("OK");
  }

  String version(String model) throws Exception {
    Files.writeString(dir.resolve("model.json"), model);
    String manifest =
        "{\"files\":[{\"path\":\"model.json\",\"sizeBytes\":"
            + model.length()
            + ",\"sha256\":\""
            + sha(model.getBytes(StandardCharsets.UTF_8))
            + "\"}]}";
    Files.writeString(dir.resolve("manifest.json"), manifest);
    return sha(manifest.getBytes(StandardCharsets.UTF_8));
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  Process server(String sha, int port) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("python3", HERE.resolve("server.py").toString());
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("MLCP_BIND", "127.0.0.1");
    pb.environment().put("MLCP_MODEL_DIR", dir.toString());
    pb.environment().put("MLCP_MODEL_SHA256", sha);
    pb.environment().put("MLCP_REVISION", "r7");
    pb.redirectErrorStream(true);
    return pb.start();
  }

  @Test
  void serves_a_verified_version_over_http() throws Exception {
    String sha =
        version(
            "{\"kind\":\"logistic-regression\",\"features\":[\"x\"],\"weights\":[1.0],\"bias\":0}");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = server(sha, port);
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> health = null;
      for (int i = 0; i < 100 && health == null; i++) {
        try {
          health =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
          Thread.sleep(100);
        }
      }
      assertThat(health).isNotNull();
      assertThat(health.body()).contains(sha).contains("r7");
      HttpResponse<String> predicted =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/predict"))
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"instances\":[[0.0]]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(predicted.statusCode()).isEqualTo(200);
      assertThat(predicted.body()).contains("\"predictions\": [0.5]");
    } finally {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void refuses_a_tampered_version_naming_the_file() throws Exception {
    String sha =
        version(
            "{\"kind\":\"logistic-regression\",\"features\":[\"x\"],\"weights\":[1.0],\"bias\":0}");
    Files.writeString(
        dir.resolve("model.json"),
        "{\"kind\":\"logistic-regression\",\"features\":[\"x\"],\"weights\":[9.0],\"bias\":0}");
    Process p = server(sha, 0);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(3);
    assertThat(out).contains("model.json").contains("model not served");
  }
}
