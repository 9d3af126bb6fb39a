package dev.mlcp.cli.commands;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.mlcp.cli.Cli;
import dev.mlcp.cli.Exit;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mlcp deploy} and {@code mlcp services} (serving-deployer). */
class DeployAndServicesTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  static String rollout(String state, int percent, String verdict) {
    return """
        {"id":"dep-1","service":"churn","state":"%s","revision":"r2","model":"demo-churn","version":"v2",
         "strategy":"canary","steps":[10,50,100],"trafficPercent":%d%s}"""
        .formatted(state, percent, verdict == null ? "" : ",\"lastVerdict\":\"" + verdict + "\"");
  }

  static final String SERVICE =
      """
      {"name":"churn","target":"gce","url":"http://127.0.0.1:9000","traffic":{"r1":90,"r2":10},
       "revisions":[{"revision":"r2","model":"demo-churn","version":"v2","status":"READY","trafficPercent":10,
                     "health":{"exists":true,"instances":2,"healthy":2},"rolloutId":"dep-1"},
                    {"revision":"r1","model":"demo-churn","version":"v1","status":"READY","trafficPercent":90,
                     "health":{"exists":true,"instances":1,"healthy":1}}]}""";

  @Test
  void deploy_waits_and_prints_each_canary_step_with_weight_and_health() {
    wm.stubFor(
        post("/v1/services/churn/revisions")
            .willReturn(okJson(rollout("QUEUED", 0, null)).withStatus(202)));
    String[] steps = {
      rollout("PROVISIONING", 0, null),
      rollout("BAKING", 10, null),
      rollout("BAKING", 50, "PASS 10 %: error rate 0.0 vs 0.0"),
      rollout("SUCCEEDED", 100, "PASS 50 %: error rate 0.0 vs 0.0"),
    };
    String state = Scenario.STARTED;
    for (int i = 0; i < steps.length; i++) {
      String next = i == steps.length - 1 ? state : "s" + (i + 1);
      wm.stubFor(
          get("/v1/services/churn/rollouts/dep-1")
              .inScenario("rollout")
              .whenScenarioStateIs(state)
              .willSetStateTo(next)
              .willReturn(okJson(steps[i])));
      state = next;
    }
    wm.stubFor(get("/v1/services/churn").willReturn(okJson(SERVICE)));

    Cli.Result r =
        Cli.local(dir, wm.getPort())
            .run(
                "--as",
                "ci@mlcp.local",
                "deploy",
                "churn",
                "--model",
                "demo-churn",
                "--alias",
                "production",
                "--image",
                "server",
                "--strategy",
                "canary",
                "--steps",
                "10,50,100",
                "--bake",
                "30s");

    assertThat(r.exitCode()).as(r.err()).isZero();
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/services/churn/revisions"))
            .withRequestBody(
                equalToJson(
                    """
                    {"image":"server","model":"demo-churn","alias":"production","strategy":"canary",
                     "steps":[10,50,100],"bakeSeconds":30}""")));
    assertThat(r.err())
        .containsSubsequence(
            "PROVISIONING  traffic 0 % of steps [10,50,100]  health 2/2 healthy",
            "BAKING  traffic 10 % of steps [10,50,100]  health 2/2 healthy",
            "BAKING  traffic 50 %",
            "analysis: PASS 10 %",
            "SUCCEEDED  traffic 100 %");
    assertThat(r.out().strip()).isEqualTo("dep-1 SUCCEEDED  revision r2  traffic 100 %");
  }

  @Test
  void deploy_that_rolls_back_exits_6_and_async_returns_at_once() {
    wm.stubFor(
        post("/v1/services/churn/revisions")
            .willReturn(okJson(rollout("QUEUED", 0, null)).withStatus(202)));
    wm.stubFor(
        get("/v1/services/churn/rollouts/dep-1")
            .willReturn(okJson(rollout("ROLLED_BACK", 0, "FAIL error rate 0.4"))));
    wm.stubFor(get("/v1/services/churn").willReturn(okJson(SERVICE)));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result waited =
        cli.run("deploy", "churn", "--model", "m", "--version", "3", "--image", "s");
    wm.resetRequests();
    Cli.Result async =
        cli.run("deploy", "churn", "--model", "m", "--version", "3", "--image", "s", "--async");

    assertThat(waited.exitCode()).isEqualTo(Exit.UNSUCCESSFUL);
    assertThat(waited.err()).contains("ROLLED_BACK").contains("analysis: FAIL error rate 0.4");
    assertThat(async.exitCode()).isZero();
    assertThat(async.out()).containsPattern("dep-1\\s+QUEUED\\s+r2");
    wm.verify(0, getRequestedFor(urlMatching("/v1/services/.*")));
  }

  @Test
  void deploy_needs_a_version_or_an_alias() {
    Cli.Result r =
        Cli.local(dir, wm.getPort()).run("deploy", "churn", "--model", "m", "--image", "s");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("ERROR: give --version or --alias (one of them)");
  }

  @Test
  void services_list_get_traffic_rollback_and_rollouts() {
    wm.stubFor(get("/v1/services").willReturn(okJson("{\"services\":[" + SERVICE + "]}")));
    wm.stubFor(get("/v1/services/churn").willReturn(okJson(SERVICE)));
    wm.stubFor(put("/v1/services/churn/traffic").willReturn(okJson(SERVICE)));
    wm.stubFor(post("/v1/services/churn:rollback").willReturn(okJson(SERVICE)));
    wm.stubFor(
        get("/v1/services/churn/rollouts")
            .willReturn(okJson("{\"rollouts\":[" + rollout("SUCCEEDED", 100, null) + "]}")));
    wm.stubFor(
        post("/v1/services/churn/rollouts/dep-1:abort")
            .willReturn(okJson(rollout("ROLLING_BACK", 10, null))));
    Cli cli = Cli.local(dir, wm.getPort()).env("MLCP_EMAIL", "admin@mlcp.local");

    Cli.Result list = cli.run("services", "list");
    Cli.Result got = cli.run("services", "get", "churn");
    Cli.Result traffic = cli.run("services", "traffic", "churn", "r1=90", "r2=10");
    Cli.Result rollback = cli.run("services", "rollback", "churn");
    Cli.Result rollouts = cli.run("services", "rollouts", "churn");
    Cli.Result abort = cli.run("services", "abort", "churn", "dep-1");

    assertThat(list.out()).containsPattern("churn\\s+gce\\s+http://127.0.0.1:9000\\s+r1=90,r2=10");
    assertThat(got.out()).containsPattern("r2\\s+demo-churn/v2\\s+READY\\s+10 %\\s+2/2\\s+dep-1");
    wm.verify(
        putRequestedFor(urlEqualTo("/v1/services/churn/traffic"))
            .withRequestBody(equalToJson("{\"percents\":{\"r1\":90,\"r2\":10}}")));
    assertThat(traffic.exitCode()).isZero();
    wm.verify(postRequestedFor(urlEqualTo("/v1/services/churn:rollback")));
    assertThat(rollback.out()).contains("traffic r1=90,r2=10");
    assertThat(rollouts.out())
        .containsPattern("dep-1\\s+SUCCEEDED\\s+r2\\s+demo-churn/v2\\s+canary");
    assertThat(abort.out()).contains("ROLLING_BACK");
  }
}
