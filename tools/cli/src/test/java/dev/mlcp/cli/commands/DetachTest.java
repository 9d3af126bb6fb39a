package dev.mlcp.cli.commands;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.mlcp.cli.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C during {@code runs submit --wait}: the CLI (a real process, sent SIGINT) says the run goes
 * on and how to cancel it, exits 130, and cancels nothing.
 */
class DetachTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  @Test
  void ctrl_c_detaches_without_cancelling_and_says_so() throws Exception {
    String running =
        RunsCommandTest.run(
            "RUNNING", RunsCommandTest.history("QUEUED", "PROVISIONING", "RUNNING"));
    wm.stubFor(post("/v1/runs").willReturn(okJson(running).withStatus(201)));
    wm.stubFor(get("/v1/runs/run-1").willReturn(okJson(running)));
    // An open log stream that sends nothing for a minute (a quiet trainer).
    wm.stubFor(
        get(urlMatching("/v1/runs/run-1/logs.*"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/event-stream")
                    .withBody("event: open\ndata: {}\n\n")
                    .withFixedDelay(60_000)));
    Cli cli = Cli.local(dir, wm.getPort());
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.mlcp.cli.Mlcp",
                "runs",
                "submit",
                "--name",
                "n",
                "--image",
                "i",
                "--wait"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(cli.environment().vars());
    Path err = dir.resolve("err.txt");
    pb.redirectError(err.toFile()).redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(err).contains("] RUNNING") && System.nanoTime() < deadline) {
        assertThat(p.isAlive()).as(Files.readString(err)).isTrue();
        Thread.sleep(50);
      }
      assertThat(Files.readString(err)).contains("] RUNNING");

      new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();

      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(130);
      assertThat(Files.readString(err))
          .contains("detached: run run-1 continues; mlcp runs cancel run-1");
      wm.verify(0, deleteRequestedFor(urlMatching(".*")));
    } finally {
      p.destroyForcibly();
    }
  }
}
