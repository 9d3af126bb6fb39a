package dev.mlcp.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Errors: the problem+json in one line on stderr, and the exit code a script can rely on. */
class ErrorsTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  @Test
  void a_400_with_invalid_fields_is_one_line_naming_them_and_exits_2() {
    wm.stubFor(
        get("/v1/runs/run-1")
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/problem+json")
                    .withBody(
                        """
                        {"type":"urn:mlcp:problem:invalid-request","title":"Invalid request","status":400,
                         "detail":"The request has 2 invalid fields; see errors.","instance":"/v1/runs",
                         "errors":[{"field":"spec.image","message":"must match europe-docker.pkg.dev/..."},
                                   {"field":"spec.name","message":"must not be blank"}]}""")));

    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "get", "run-1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "ERROR: 400 spec.image: must match europe-docker.pkg.dev/...; spec.name: must not be"
                + " blank\n");
    assertThat(r.out()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "404, 3, 'ERROR: 404 run run-9 not found'",
    "403, 4, 'ERROR: 403 Only admins may list other people''s runs.'",
    "409, 5, 'ERROR: 409 the run is already over'",
    "422, 2, 'ERROR: 422 Idempotency-Key was used for another request'",
    "503, 1, 'ERROR: 503 Compute Engine is unavailable (correlation id c-42)'",
    "429, 1, 'ERROR: 429 too many log follows'"
  })
  void problems_map_to_exit_codes(int status, int exit, String line) {
    String detail =
        line.substring(("ERROR: " + status + " ").length()).replace(" (correlation id c-42)", "");
    String extra = status == 503 ? ",\"correlationId\":\"c-42\"" : "";
    wm.stubFor(
        get("/v1/runs/run-9")
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/problem+json")
                    .withBody(
                        "{\"status\":"
                            + status
                            + ",\"title\":\"t\",\"detail\":\""
                            + detail
                            + "\""
                            + extra
                            + "}")));

    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "get", "run-9");

    assertThat(r.exitCode()).isEqualTo(exit);
    assertThat(r.err().strip()).isEqualTo(line);
  }

  @Test
  void a_401_without_a_body_still_says_what_happened() {
    wm.stubFor(get("/v1/runs/run-1").willReturn(aResponse().withStatus(401)));

    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "get", "run-1");

    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err().strip()).isEqualTo("ERROR: 401 not authenticated (token refused)");
  }

  @Test
  void a_service_that_is_not_listening_is_exit_1_with_a_hint() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }

    Cli.Result r = Cli.local(dir, closed).run("runs", "list");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("ERROR: cannot reach training-runner at http://127.0.0.1:" + closed)
        .contains("mlcp local status");
  }

  @Test
  void usage_errors_exit_2() {
    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "lst");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Did you mean: runs list?");
  }

  @Test
  void a_run_needs_a_name_and_an_image_before_any_call() {
    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "submit", "--image", "i");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip())
        .isEqualTo("ERROR: a run needs --name and --image (or a spec file with both)");
    assertThat(wm.getAllServeEvents()).isEmpty();
  }
}
