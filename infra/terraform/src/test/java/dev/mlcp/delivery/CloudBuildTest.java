package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.DeployRequested;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.EventType;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.TrainingRequested;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudBuildTest {
  private static JsonNode main;
  private static JsonNode train;
  private static JsonNode serve;
  private final CloudEventCodec codec = new CloudEventCodec();

  @BeforeAll
  static void read() {
    main = CloudBuild.read(Repo.root().resolve("cloudbuild.yaml"));
    train = CloudBuild.read(Repo.root().resolve("infra/cloudbuild/train.yaml"));
    serve = CloudBuild.read(Repo.root().resolve("infra/cloudbuild/serve.yaml"));
  }

  @Test
  void every_config_starts_with_prerequisites_substitutions_and_usage() throws Exception {
    for (String file :
        List.of("cloudbuild.yaml", "infra/cloudbuild/train.yaml", "infra/cloudbuild/serve.yaml")) {
      List<String> lines = Files.readAllLines(Repo.root().resolve(file), StandardCharsets.UTF_8);
      String header = String.join("\n", lines.stream().takeWhile(l -> l.startsWith("#")).toList());
      assertThat(header).as(file).contains("Prerequisites", "Substitutions:", "Usage:");
    }
  }

  @Test
  void steps_have_unique_ids_and_wait_only_for_earlier_steps() {
    for (JsonNode build : List.of(main, train, serve)) {
      Set<String> seen = new HashSet<>();
      for (JsonNode step : build.path("steps")) {
        String id = step.path("id").asText();
        assertThat(id).isNotBlank();
        for (JsonNode wait : step.path("waitFor")) {
          assertThat(seen).as(id + " waits for " + wait.asText()).contains(wait.asText());
        }
        assertThat(seen.add(id)).as("duplicate id " + id).isTrue();
      }
    }
  }

  @Test
  void every_substitution_used_is_defined_and_every_one_defined_is_used() {
    for (JsonNode build : List.of(main, train, serve)) {
      Set<String> defined = new TreeSet<>();
      build.path("substitutions").fieldNames().forEachRemaining(defined::add);
      assertThat(defined).containsAll(CloudBuild.userSubstitutionsUsed(build));
    }
    // The main build refuses unmatched substitutions (MUST_MATCH): each one defined is used.
    Set<String> defined = new TreeSet<>();
    main.path("substitutions").fieldNames().forEachRemaining(defined::add);
    assertThat(new TreeSet<>(CloudBuild.userSubstitutionsUsed(main))).isEqualTo(defined);
    assertThat(main.path("options").path("substitutionOption").asText()).isEqualTo("MUST_MATCH");
  }

  @Test
  void tests_run_first_then_each_service_has_a_native_build_an_image_a_push_and_a_deploy() {
    String verify = CloudBuild.text(CloudBuild.step(main, "verify"));
    assertThat(verify).contains("./mvnw -B", " install");
    assertThat(main.path("substitutions").path("_MANDREL").asText())
        .contains("mandrel-builder-image");
    String registry = "${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}/";
    for (String service : CodeLists.services()) {
      JsonNode nativeBuild = CloudBuild.step(main, "native-" + service);
      assertThat(nativeBuild.path("name").asText()).isEqualTo("${_MANDREL}");
      assertThat(CloudBuild.text(nativeBuild))
          .contains("./mvnw", "-pl services/" + service, "package", "-Dnative");
      assertThat(waits(nativeBuild)).containsExactly("verify");

      JsonNode image = CloudBuild.step(main, "image-" + service);
      String dockerfile = "services/" + service + "/src/main/docker/Dockerfile.native-micro";
      assertThat(Files.isRegularFile(Repo.root().resolve(dockerfile))).as(dockerfile).isTrue();
      assertThat(CloudBuild.text(image))
          .contains("build -f " + dockerfile, registry + service + ":$SHORT_SHA");
      JsonNode args = image.path("args");
      assertThat(args.get(args.size() - 1).asText()).as("context").isEqualTo("services/" + service);
      assertThat(waits(image)).containsExactly("native-" + service);

      JsonNode push = CloudBuild.step(main, "push-" + service);
      assertThat(CloudBuild.text(push)).contains("push --all-tags " + registry + service);
      assertThat(waits(push)).containsExactly("image-" + service);

      JsonNode deploy = CloudBuild.step(main, "deploy-" + service);
      assertThat(CloudBuild.text(deploy))
          .contains(
              "gcloud run deploy " + service, "--image=" + registry + service + ":$SHORT_SHA");
      assertThat(waits(deploy)).containsExactly("push-" + service);
    }
    assertThat(CloudBuild.text(CloudBuild.step(main, "examples")))
        .contains("examples/*/Dockerfile", "docker push");
  }

  @Test
  void the_deploy_step_skips_only_when_told_and_runs_gcloud_run_deploy_otherwise(@TempDir Path dir)
      throws Exception {
    CloudBuild.Run skipped =
        CloudBuild.runBashStep(
            main, "deploy-training-runner", Map.of("_DEPLOY", "false"), dir.resolve("a"));
    assertThat(skipped.exitCode()).isZero();
    assertThat(skipped.gcloudCalls()).isEmpty();

    CloudBuild.Run deployed =
        CloudBuild.runBashStep(main, "deploy-training-runner", Map.of(), dir.resolve("b"));
    assertThat(deployed.exitCode()).as(deployed.output()).isZero();
    assertThat(deployed.gcloudCalls())
        .containsExactly(
            List.of(
                "run",
                "deploy",
                "training-runner",
                "--region=europe-west4",
                "--quiet",
                "--image=europe-west4-docker.pkg.dev/my-project/mlcp/training-runner:abc1234"));
  }

  @Test
  void the_serving_trigger_publishes_a_deploy_request_the_codec_decodes(@TempDir Path dir)
      throws Exception {
    CloudBuild.Run run =
        CloudBuild.runBashStep(
            serve,
            "publish-deploy-request",
            Map.of(
                "_SERVICE", "churn",
                "_MODEL", "churn-model",
                "_VERSION", "7",
                "_IMAGE", "europe-west4-docker.pkg.dev/my-project/mlcp/sample-server:1",
                "_CANARY_PERCENT", "25"),
            dir);
    assertThat(run.exitCode()).as(run.output()).isZero();
    EventEnvelope<MlcpEvent> event = decodePublish(run, EventType.DEPLOY_REQUESTED);
    assertThat(event.source()).isEqualTo("//cloudbuild/my-project/serve");
    assertThat(event.id()).isEqualTo(CloudBuild.BUILT_INS.get("BUILD_ID"));
    assertThat(event.subject()).isEqualTo("churn");
    assertThat(event.data())
        .isEqualTo(
            new DeployRequested(
                CloudBuild.BUILT_INS.get("BUILD_ID"),
                "churn",
                "churn-model",
                "7",
                null,
                "gce",
                "europe-west4-docker.pkg.dev/my-project/mlcp/sample-server:1",
                25,
                "mlcp-ci@my-project.iam.gserviceaccount.com",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
  }

  @Test
  void without_a_version_the_deploy_request_names_the_alias(@TempDir Path dir) throws Exception {
    CloudBuild.Run run =
        CloudBuild.runBashStep(
            serve,
            "publish-deploy-request",
            Map.of("_SERVICE", "churn", "_MODEL", "churn-model", "_TARGET", "cloud-run"),
            dir);
    assertThat(run.exitCode()).as(run.output()).isZero();
    DeployRequested request =
        (DeployRequested) decodePublish(run, EventType.DEPLOY_REQUESTED).data();
    assertThat(request.version()).isNull();
    assertThat(request.alias()).isEqualTo("production");
    assertThat(request.target()).isEqualTo("cloud-run");
    assertThat(request.canaryPercent()).isEqualTo(10);
    assertThat(request.image()).isNull();
  }

  @Test
  void a_malformed_deploy_request_fails_the_build_before_anything_is_published(@TempDir Path dir)
      throws Exception {
    CloudBuild.Run run =
        CloudBuild.runBashStep(
            serve,
            "publish-deploy-request",
            Map.of("_SERVICE", "churn,ce-type=x", "_MODEL", "m"),
            dir);
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("MLCP_SERVICE must be a GCE name");
    assertThat(run.gcloudCalls()).isEmpty();
  }

  @Test
  void the_serving_trigger_waits_on_the_ci_subscription_after_publishing() {
    JsonNode wait = CloudBuild.step(serve, "wait-for-deploy");
    assertThat(waits(wait)).containsExactly("publish-deploy-request");
    assertThat(CloudBuild.text(wait))
        .contains(
            "wait_deploy.py --subscription=" + Policy.DEPLOY_WAIT,
            "--since=\"$$(cat deploy-requested-at)\"");
    assertThat(CloudBuild.text(CloudBuild.step(serve, "publish-deploy-request")))
        .contains("> deploy-requested-at");
  }

  @Test
  void the_training_trigger_publishes_a_training_request_the_codec_decodes(@TempDir Path dir)
      throws Exception {
    CloudBuild.Run run =
        CloudBuild.runBashStep(
            train,
            "publish-training-request",
            Map.of(
                "_NAME", "sample-trainer",
                "_IMAGE", "europe-west4-docker.pkg.dev/my-project/mlcp/examples/sample-trainer:1",
                "_ARGS", "[\"--epochs\",\"100\"]",
                "_INPUTS", "[\"gs://data/train.csv\"]",
                "_MACHINE", "n2-standard-8"),
            dir);
    assertThat(run.exitCode()).as(run.output()).isZero();
    EventEnvelope<MlcpEvent> event = decodePublish(run, EventType.TRAINING_REQUESTED);
    assertThat(event.source()).isEqualTo("//cloudbuild/my-project/train");
    TrainingRequested request = (TrainingRequested) event.data();
    assertThat(request.requestKey()).isEqualTo(CloudBuild.BUILT_INS.get("BUILD_ID"));
    assertThat(request.owner()).isEqualTo("mlcp-ci@my-project.iam.gserviceaccount.com");
    assertThat(request.spec().name()).isEqualTo("sample-trainer");
    assertThat(request.spec().args()).containsExactly("--epochs", "100");
    assertThat(request.spec().inputs()).containsExactly("gs://data/train.csv");
    assertThat(request.spec().machineType()).isEqualTo("n2-standard-8");
    // training-runner believes the owner for this source (Terraform's request sources).
    String sources =
        Hcl.parse(Repo.terraform())
            .local("own_env")
            .path("training-runner")
            .path("MLCP_TRAINING_REQUEST_SOURCES")
            .asText();
    assertThat(sources.replace("${var.project_id}", "my-project")).startsWith(event.source() + "=");
  }

  @Test
  void a_training_request_with_malformed_args_is_not_published(@TempDir Path dir) throws Exception {
    CloudBuild.Run run =
        CloudBuild.runBashStep(
            train,
            "publish-training-request",
            Map.of("_NAME", "sample-trainer", "_IMAGE", "img", "_ARGS", "--epochs 100"),
            dir);
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("MLCP_ARGS must be a JSON array");
    assertThat(run.gcloudCalls()).isEmpty();
  }

  @Test
  void terraform_triggers_run_these_files_with_substitutions_they_define() {
    TerraformConfig tf = Hcl.parse(Repo.terraform());
    Map<String, JsonNode> triggers = tf.resources("google_cloudbuild_trigger");
    assertThat(triggers.keySet()).containsExactlyInAnyOrder("main", "train", "serve");
    assertThat(TerraformConfig.text(triggers.get("main"), "filename")).isEqualTo("cloudbuild.yaml");
    Map<String, JsonNode> files = Map.of("train", train, "serve", serve);
    files.forEach(
        (name, build) -> {
          JsonNode trigger = triggers.get(name);
          String path =
              TerraformConfig.text(TerraformConfig.block(trigger, "git_file_source"), "path");
          assertThat(path).isEqualTo("infra/cloudbuild/" + name + ".yaml");
          Set<String> defined = new TreeSet<>();
          build.path("substitutions").fieldNames().forEachRemaining(defined::add);
          Set<String> given = new TreeSet<>();
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("(_[A-Z_]+)\\s*=")
                  .matcher(TerraformConfig.text(trigger, "substitutions"));
          while (m.find()) {
            given.add(m.group(1));
          }
          assertThat(defined).as(name).containsAll(given);
        });
    for (JsonNode trigger : triggers.values()) {
      assertThat(TerraformConfig.text(trigger, "service_account"))
          .isEqualTo("${google_service_account.sa[\"ci\"].id}");
    }
  }

  private EventEnvelope<MlcpEvent> decodePublish(CloudBuild.Run run, EventType type) {
    List<List<String>> publishes = new ArrayList<>();
    for (List<String> call : run.gcloudCalls()) {
      if (call.size() > 3 && call.subList(0, 3).equals(List.of("pubsub", "topics", "publish"))) {
        publishes.add(call);
      }
    }
    assertThat(publishes).hasSize(1);
    List<String> publish = publishes.get(0);
    assertThat(publish.get(3)).isEqualTo(type.topic());
    Map<String, String> attributes = CloudBuild.attributes(CloudBuild.flag(publish, "--attribute"));
    byte[] data = CloudBuild.flag(publish, "--message").getBytes(StandardCharsets.UTF_8);
    EventEnvelope<MlcpEvent> event = codec.decode(attributes, data);
    assertThat(EventType.of(event.data())).isEqualTo(type);
    return event;
  }

  private static List<String> waits(JsonNode step) {
    List<String> ids = new ArrayList<>();
    step.path("waitFor").forEach(w -> ids.add(w.asText()));
    return ids;
  }
}
