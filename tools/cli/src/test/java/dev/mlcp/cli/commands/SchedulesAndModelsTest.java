package dev.mlcp.cli.commands;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.mlcp.cli.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mlcp schedules} (training-runner) and {@code mlcp models} (artifact-writer). */
class SchedulesAndModelsTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @TempDir Path dir;

  static final String SCHEDULE =
      """
      {"name":"nightly","cron":"0 3 * * *","timeZone":"Europe/Amsterdam","owner":"demo@mlcp.local",
       "enabled":true,"template":{"name":"nightly","image":"img"},"updatedAt":"2026-11-24T09:30:00Z"}""";

  @Test
  void schedules_put_sends_cron_zone_and_the_run_template() {
    wm.stubFor(put("/v1/schedules/nightly").willReturn(okJson(SCHEDULE)));

    Cli.Result r =
        Cli.local(dir, wm.getPort())
            .run(
                "schedules",
                "put",
                "nightly",
                "--cron",
                "0 3 * * *",
                "--time-zone",
                "Europe/Amsterdam",
                "--name",
                "nightly",
                "--image",
                "img",
                "--",
                "--epochs",
                "5");

    assertThat(r.exitCode()).as(r.err()).isZero();
    wm.verify(
        putRequestedFor(urlEqualTo("/v1/schedules/nightly"))
            .withRequestBody(
                equalToJson(
                    """
                    {"cron":"0 3 * * *","timeZone":"Europe/Amsterdam","enabled":true,
                     "template":{"name":"nightly","image":"img","args":["--epochs","5"]}}""")));
    assertThat(r.out()).containsPattern("(?m)^cron\\s+0 3 \\* \\* \\*$");
  }

  @Test
  void schedules_list_fire_and_delete() {
    wm.stubFor(get("/v1/schedules").willReturn(okJson("[" + SCHEDULE + "]")));
    wm.stubFor(
        post(urlPathEqualTo("/v1/schedules/nightly:fire"))
            .willReturn(okJson("{\"id\":\"run-7\",\"name\":\"nightly\",\"state\":\"QUEUED\"}")));
    wm.stubFor(delete("/v1/schedules/nightly").willReturn(noContent()));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result list = cli.run("schedules", "list");
    Cli.Result fire = cli.run("schedules", "fire", "nightly", "--tick", "2026-11-23T03:00:00Z");
    Cli.Result del = cli.run("schedules", "delete", "nightly");

    assertThat(list.out())
        .containsPattern("nightly\\s+0 3 \\* \\* \\*\\s+Europe/Amsterdam\\s+true");
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/schedules/nightly:fire?tick=2026-11-23T03%3A00%3A00Z")));
    assertThat(fire.out()).contains("run-7");
    wm.verify(deleteRequestedFor(urlEqualTo("/v1/schedules/nightly")));
    assertThat(del.exitCode()).isZero();
    assertThat(del.err()).contains("deleted schedule nightly");
  }

  @Test
  void models_list_shows_aliases_and_versions_show_gate_and_metrics() {
    wm.stubFor(
        get(urlPathEqualTo("/v1/models"))
            .willReturn(
                okJson(
                    """
                    {"models":[{"name":"demo-churn","owner":"ci@mlcp.local","latestVersion":"v2",
                      "aliases":[{"name":"champion","version":"v2"},{"name":"production","version":"v1"}],
                      "updatedAt":"2026-11-24T09:30:00.123Z"}]}""")));
    wm.stubFor(
        get("/v1/models/demo-churn/versions")
            .willReturn(
                okJson(
                    """
                    {"versions":[{"version":"v2","state":"registered","runId":"run-2",
                      "metrics":{"accuracy":0.91},"gate":{"outcome":"PASSED"},
                      "registeredAt":"2026-11-24T09:31:00Z"}]}""")));
    Cli cli = Cli.local(dir, wm.getPort());

    Cli.Result models = cli.run("models", "list", "--owner", "ci@mlcp.local");
    Cli.Result versions = cli.run("models", "versions", "demo-churn");

    wm.verify(
        com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
            urlEqualTo("/v1/models?owner=ci%40mlcp.local")));
    assertThat(models.out())
        .containsPattern(
            "demo-churn\\s+ci@mlcp.local\\s+v2\\s+champion=v2,production=v1\\s+2026-11-24T09:30:00Z");
    assertThat(versions.out())
        .containsPattern("v2\\s+registered\\s+PASSED\\s+run-2\\s+accuracy=0.91");
  }

  @Test
  void models_get_promote_evaluate_and_lineage_call_their_endpoints() {
    wm.stubFor(get("/v1/models/demo-churn/versions/3").willReturn(okJson("{\"version\":\"v3\"}")));
    wm.stubFor(
        post("/v1/models/demo-churn/aliases/production")
            .willReturn(okJson("{\"name\":\"production\",\"version\":\"v3\"}")));
    wm.stubFor(
        post("/v1/models/demo-churn/versions/3:evaluate")
            .willReturn(
                okJson(
                    "{\"evaluations\":[{\"id\":\"ev-1\",\"version\":\"v3\",\"evaluator\":\"holdout\",\"state\":\"RUNNING\",\"runId\":\"run-8\"}]}")));
    wm.stubFor(post("/v1/models/demo-churn:evaluate").willReturn(okJson("{\"evaluations\":[]}")));
    wm.stubFor(
        get("/v1/models/demo-churn/versions/3/lineage")
            .willReturn(
                okJson(
                    "{\"model\":\"demo-churn\",\"version\":\"v3\",\"run\":{\"runId\":\"run-3\"}}")));
    Cli cli = Cli.local(dir, wm.getPort());

    assertThat(cli.run("models", "get", "demo-churn", "v3").out()).containsPattern("version\\s+v3");
    Cli.Result promoted =
        cli.run(
            "models", "promote", "demo-churn", "v3", "--alias", "production", "--reason", "INC-42");
    Cli.Result one = cli.run("models", "evaluate", "demo-churn", "3", "--evaluator", "holdout");
    cli.run("models", "evaluate", "demo-churn", "v1", "v2");
    Cli.Result lineage = cli.run("models", "lineage", "demo-churn", "v3");

    wm.verify(
        postRequestedFor(urlEqualTo("/v1/models/demo-churn/aliases/production"))
            .withRequestBody(equalToJson("{\"version\":\"v3\",\"reason\":\"INC-42\"}")));
    assertThat(promoted.out().strip()).isEqualTo("demo-churn@production -> v3");
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/models/demo-churn/versions/3:evaluate"))
            .withRequestBody(equalToJson("{\"evaluators\":[\"holdout\"]}")));
    assertThat(one.out()).containsPattern("ev-1\\s+v3\\s+holdout\\s+RUNNING\\s+run-8");
    wm.verify(
        postRequestedFor(urlEqualTo("/v1/models/demo-churn:evaluate"))
            .withRequestBody(equalToJson("{\"versions\":[\"v1\",\"v2\"]}")));
    assertThat(lineage.out()).containsPattern("run\\s+runId=run-3");
  }
}
