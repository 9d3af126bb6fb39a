package dev.mlcp.cli.commands;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.mlcp.cli.Cli;
import dev.mlcp.cli.Exit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class RunsCommandTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  static String run(String state, String extra) {
    return """
        {"id":"run-1","name":"sample-trainer","owner":"demo@mlcp.local","state":"%s",
         "createdAt":"2026-11-24T09:30:00Z","startedAt":"2026-11-24T09:30:02Z",
         "costEstimateUsd":0.0123,"instance":"mlcp-run-1","zone":"local-a"%s}"""
        .formatted(state, extra);
  }

  static String history(String... states) {
    StringBuilder h = new StringBuilder(",\"history\":[");
    for (int i = 0; i < states.length; i++) {
      h.append(i == 0 ? "" : ",")
          .append("{\"state\":\"")
          .append(states[i])
          .append("\",\"at\":\"2026-11-24T09:30:0")
          .append(i)
          .append("Z\",\"attempt\":1}");
    }
    return h.append(']').toString();
  }

  @Test
  void submit_posts_the_spec_with_args_after_the_double_dash_and_an_idempotency_key() {
    wm.stubFor(post("/v1/runs").willReturn(okJson(run("QUEUED", "")).withStatus(201)));

    Cli.Result r =
        Cli.local(dir, wm.getPort())
            .run(
                "runs",
                "submit",
                "--name",
                "sample-trainer",
                "--image",
                "img",
                "--env",
                "A=1",
                "--label",
                "team=ml",
                "--max-run-duration",
                "2h",
                "--",
                "--epochs",
                "100");

    assertThat(r.exitCode()).as(r.err()).isZero();
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/runs"))
            .withHeader(
                "Authorization",
                matching("Bearer ey[-_A-Za-z0-9]+\\.[-_A-Za-z0-9]+\\.[-_A-Za-z0-9]+"))
            .withHeader("Idempotency-Key", matching("cli-[-0-9a-f]{36}"))
            .withRequestBody(
                equalToJson(
                    """
                    {"name":"sample-trainer","image":"img","args":["--epochs","100"],"env":{"A":"1"},
                     "maxRunDurationSeconds":7200,"labels":{"team":"ml"}}""")));
    assertThat(r.out()).contains("ID").contains("run-1").contains("QUEUED").contains("$0.0123");
  }

  @Test
  void a_yaml_spec_file_is_the_body_and_flags_override_its_fields() throws Exception {
    wm.stubFor(post("/v1/runs").willReturn(okJson(run("QUEUED", "")).withStatus(201)));
    java.nio.file.Path spec =
        java.nio.file.Files.writeString(
            dir.resolve("spec.yaml"),
            "name: from-file\nimage: old\nargs: [--epochs, '5']\ninputs:\n  - gs://b/p\n");

    Cli.Result r =
        Cli.local(dir, wm.getPort())
            .run(
                "runs",
                "submit",
                "-f",
                spec.toString(),
                "--image",
                "new",
                "--accelerator",
                "nvidia-tesla-t4:2",
                "--idempotency-key",
                "k1");

    assertThat(r.exitCode()).as(r.err()).isZero();
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/runs"))
            .withHeader("Idempotency-Key", equalTo("k1"))
            .withRequestBody(
                equalToJson(
                    """
                    {"name":"from-file","image":"new","args":["--epochs","5"],"inputs":["gs://b/p"],
                     "acceleratorType":"nvidia-tesla-t4","acceleratorCount":2}""")));
  }

  @Test
  void list_passes_filters_and_pages_and_json_is_the_api_answer() throws Exception {
    wm.stubFor(
        get(urlPathEqualTo("/v1/runs"))
            .willReturn(
                okJson("{\"runs\":[" + run("SUCCEEDED", "") + "],\"nextPageToken\":\"tok2\"}")));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result table =
        cli.run("runs", "list", "--state", "SUCCEEDED", "--owner", "a@b.c", "--page-size", "5");
    Cli.Result json = cli.run("runs", "list", "--format=json");

    wm.verify(getRequestedFor(urlEqualTo("/v1/runs?state=SUCCEEDED&owner=a%40b.c&pageSize=5")));
    assertThat(table.out().lines().findFirst().orElseThrow())
        .matches("ID\\s+NAME\\s+STATE\\s+OWNER\\s+CREATED\\s+DURATION\\s+COST");
    assertThat(table.out())
        .containsPattern("run-1\\s+sample-trainer\\s+SUCCEEDED\\s+demo@mlcp.local");
    assertThat(table.err()).contains("more: --page-token tok2");
    JsonNode parsed = new ObjectMapper().readTree(json.out());
    assertThat(parsed.path("runs").get(0).path("id").asText()).isEqualTo("run-1");
    assertThat(parsed.path("nextPageToken").asText()).isEqualTo("tok2");
  }

  @Test
  void submit_wait_streams_logs_and_transitions_and_ends_with_state_cost_and_artifacts() {
    wm.stubFor(
        post("/v1/runs").willReturn(okJson(run("QUEUED", history("QUEUED"))).withStatus(201)));
    String[] bodies = {
      run("PROVISIONING", history("QUEUED", "PROVISIONING")),
      run("RUNNING", history("QUEUED", "PROVISIONING", "RUNNING")),
      run(
          "SUCCEEDED",
          history("QUEUED", "PROVISIONING", "RUNNING", "SUCCEEDED")
              + ",\"exitCode\":0,\"artifactUri\":\"gs://mlcp-local/staging/run-1/\""),
    };
    String state = Scenario.STARTED;
    for (int i = 0; i < bodies.length; i++) {
      String next = i == bodies.length - 1 ? state : "s" + (i + 1);
      wm.stubFor(
          get("/v1/runs/run-1")
              .inScenario("run")
              .whenScenarioStateIs(state)
              .willSetStateTo(next)
              .willReturn(okJson(bodies[i])));
      state = next;
    }
    wm.stubFor(
        get("/v1/runs/run-1/logs?follow=true")
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/event-stream")
                    .withBody(
                        """
                        event: open
                        data: {"runId":"run-1"}

                        event: log
                        id: c1
                        data: {"timestamp":"2026-11-24T09:30:03Z","severity":"INFO","message":"epoch 1 loss 0.69"}

                        : keep-alive

                        event: log
                        id: c2
                        data: {"timestamp":"2026-11-24T09:30:04Z","severity":"INFO","message":"accuracy 0.91"}

                        event: end
                        id: c2
                        data: {"runId":"run-1","state":"SUCCEEDED"}

                        """)));

    Cli.Result r =
        Cli.local(dir, wm.getPort())
            .run("runs", "submit", "--name", "sample-trainer", "--image", "img", "--wait");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err())
        .contains("run run-1 submitted (QUEUED)")
        .containsSubsequence("] QUEUED", "] PROVISIONING", "] RUNNING", "] SUCCEEDED")
        .contains("vm mlcp-run-1 in local-a")
        .contains("| 2026-11-24T09:30:03Z INFO epoch 1 loss 0.69")
        .contains("| 2026-11-24T09:30:04Z INFO accuracy 0.91");
    assertThat(r.out().strip())
        .isEqualTo(
            "run-1 SUCCEEDED  exit 0  cost $0.0123  artifacts gs://mlcp-local/staging/run-1/");
  }

  @Test
  void submit_wait_of_a_failed_run_exits_6_with_the_reason() {
    wm.stubFor(post("/v1/runs").willReturn(okJson(run("QUEUED", "")).withStatus(201)));
    wm.stubFor(
        get("/v1/runs/run-1")
            .willReturn(
                okJson(
                    run(
                        "FAILED",
                        ",\"exitCode\":2,\"reason\":\"container exited with status 2\""))));
    wm.stubFor(
        get("/v1/runs/run-1/logs?follow=true")
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/event-stream")
                    .withBody("event: end\ndata: {\"state\":\"FAILED\"}\n\n")));

    Cli.Result r =
        Cli.local(dir, wm.getPort()).run("runs", "submit", "--name", "n", "--image", "i", "--wait");

    assertThat(r.exitCode()).isEqualTo(Exit.UNSUCCESSFUL);
    assertThat(r.out())
        .contains("run-1 FAILED  exit 2")
        .contains("reason: container exited with status 2");
  }

  @Test
  @Timeout(60) // a follower that never resumes right would loop
  void logs_follow_resumes_from_the_last_event_id_when_the_stream_closes_early() {
    wm.stubFor(
        get("/v1/runs/run-1/logs?follow=true")
            .withHeader("Last-Event-ID", absent())
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/event-stream")
                    .withBody(
                        "event: log\nid: c1\ndata: {\"timestamp\":\"t1\",\"severity\":\"INFO\",\"message\":\"one\"}\n\n")));
    wm.stubFor(
        get("/v1/runs/run-1/logs?follow=true")
            .withHeader("Last-Event-ID", equalTo("c1"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/event-stream")
                    .withBody(
                        "event: log\nid: c2\ndata: {\"timestamp\":\"t2\",\"severity\":\"WARNING\",\"message\":\"two\"}\n\n"
                            + "event: end\nid: c2\ndata: {\"state\":\"SUCCEEDED\"}\n\n")));

    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "logs", "-f", "run-1");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("t1 INFO one\nt2 WARNING two\n");
    assertThat(r.err()).contains("(run run-1 ended: SUCCEEDED)");
  }

  @Test
  void logs_without_follow_print_the_text_answer() {
    wm.stubFor(
        get("/v1/runs/run-1/logs").willReturn(aResponse().withBody("t1 INFO one\nt2 INFO two\n")));

    Cli.Result r = Cli.local(dir, wm.getPort()).run("runs", "logs", "run-1");

    assertThat(r.out()).isEqualTo("t1 INFO one\nt2 INFO two\n");
  }

  @Test
  void get_and_cancel_call_the_run_and_delete_it() {
    wm.stubFor(get("/v1/runs/run-1").willReturn(okJson(run("RUNNING", ""))));
    wm.stubFor(delete("/v1/runs/run-1").willReturn(okJson(run("CANCELLED", ""))));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result got = cli.run("runs", "get", "run-1");
    Cli.Result cancelled = cli.run("runs", "cancel", "run-1", "--format", "yaml");

    assertThat(got.out())
        .containsPattern("(?m)^state\\s+RUNNING$")
        .containsPattern("(?m)^instance\\s+mlcp-run-1$");
    wm.verify(deleteRequestedFor(urlEqualTo("/v1/runs/run-1")));
    assertThat(cancelled.out()).contains("state: CANCELLED").contains("id: run-1");
  }
}
