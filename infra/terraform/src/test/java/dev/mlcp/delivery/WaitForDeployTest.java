package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.DeployEvent;
import dev.mlcp.events.EncodedEvent;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.MlcpEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * infra/cloudbuild/wait_deploy.py against a fake gcloud whose pulls return deploy events encoded by
 * the project's CloudEvents codec, as serving-deployer publishes them.
 */
class WaitForDeployTest {
  /** When the request was published: a minute ago (events older than --stale are dropped). */
  private static final Instant SINCE =
      Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);

  private final CloudEventCodec codec = new CloudEventCodec();
  private final AtomicInteger ackIds = new AtomicInteger();
  @TempDir Path workspace;
  private int pulls;

  @BeforeEach
  void gcloud() throws IOException {
    CloudBuild.fakeGcloud(workspace);
  }

  @Test
  void succeeds_on_the_services_succeeded_event_acking_its_progress() throws Exception {
    pull(
        event(
            new DeployEvent.Started("dep-1", "churn", "r2", "churn", "7", "gs://a/m/7/", "gce"), 5),
        event(new DeployEvent.Progressed("dep-1", "churn", "r2", "canary-10", 10), 30));
    pull(event(new DeployEvent.Succeeded("dep-1", "churn", "r2", 100, "http://lb/"), 90));

    Result result = run();
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("started", "canary-10", "succeeded");
    assertThat(acked()).containsExactly("a1", "a2", "a3");
    assertThat(handedBack()).isEmpty();
  }

  @Test
  void fails_the_build_on_failed_with_the_reason() throws Exception {
    pull(event(new DeployEvent.Failed("dep-1", "churn", "r2", "quota CPUS exceeded"), 10));
    Result result = run();
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("reason=quota CPUS exceeded", "failed");
  }

  @Test
  void fails_the_build_on_rolledback() throws Exception {
    pull(
        event(
            new DeployEvent.RolledBack("dep-1", "churn", "r2", "r1", "success rate 91% < 99%"),
            10));
    Result result = run();
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("rolledback", "toRevision=r1");
  }

  @Test
  void hands_other_services_events_back_and_drops_stale_ones() throws Exception {
    pull(
        event(new DeployEvent.Succeeded("dep-9", "fraud", "r5", 100, null), 10),
        eventAt(
            new DeployEvent.Failed("dep-0", "fraud", "r4", "old"),
            Instant.now().minusSeconds(3 * 3600)),
        event(new DeployEvent.Succeeded("dep-1", "churn", "r2", 100, null), 20));
    Result result = run();
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(acked()).containsExactly("a2", "a3");
    assertThat(handedBack()).containsExactly("a1");
  }

  @Test
  void ignores_the_services_events_from_before_the_request() throws Exception {
    pull(event(new DeployEvent.Failed("dep-0", "churn", "r1", "an earlier deploy"), -60));
    pull(event(new DeployEvent.Succeeded("dep-1", "churn", "r2", 100, null), 30));
    Result result = run();
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(handedBack()).containsExactly("a1");
  }

  @Test
  void gives_up_after_the_timeout() throws Exception {
    Result result = run("--timeout=0.5");
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.output()).contains("no outcome for the deploy of churn");
  }

  // ---------------------------------------------------------------------------------------------

  private ObjectNode event(DeployEvent data, long secondsAfterSince) {
    return eventAt(data, SINCE.plusSeconds(secondsAfterSince));
  }

  private ObjectNode eventAt(DeployEvent data, Instant time) {
    EncodedEvent encoded =
        codec.encode(
            new EventEnvelope<MlcpEvent>(
                "id-" + ackIds.get(), "//mlcp/serving-deployer", time, null, data));
    ObjectNode received = Hcl.JSON.createObjectNode();
    received.put("ackId", "a" + ackIds.incrementAndGet());
    ObjectNode message = received.putObject("message");
    message.put("data", Base64.getEncoder().encodeToString(encoded.data()));
    message.put("publishTime", time.toString());
    ObjectNode attributes = message.putObject("attributes");
    encoded.attributes().forEach(attributes::put);
    return received;
  }

  private void pull(ObjectNode... messages) throws IOException {
    ArrayNode batch = Hcl.JSON.createArrayNode();
    for (ObjectNode m : messages) {
      batch.add(m);
    }
    Files.writeString(workspace.resolve("pulls").resolve(++pulls + ".json"), batch.toString());
  }

  private record Result(int exitCode, String output) {}

  private Result run(String... extra) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "python3",
                Repo.root().resolve("infra/cloudbuild/wait_deploy.py").toString(),
                "--subscription=" + Policy.DEPLOY_WAIT,
                "--service=churn",
                "--since=" + SINCE,
                "--timeout=20",
                "--poll=0.05"));
    command.addAll(List.of(extra));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PATH", workspace.resolve("bin") + ":" + System.getenv("PATH"));
    pb.environment().put("FAKE_GCLOUD_LOG", workspace.resolve("gcloud.log").toString());
    pb.environment().put("FAKE_GCLOUD_PULLS", workspace.resolve("pulls").toString());
    Process process = pb.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }

  private List<String> acked() throws IOException {
    return ids("ack");
  }

  private List<String> handedBack() throws IOException {
    return ids("modify-message-ack-deadline");
  }

  private List<String> ids(String verb) throws IOException {
    List<String> ids = new ArrayList<>();
    for (List<String> call : CloudBuild.gcloudCalls(workspace)) {
      if (call.size() > 3 && call.get(2).equals(verb)) {
        assertThat(call.get(3)).isEqualTo(Policy.DEPLOY_WAIT);
        if (verb.equals("modify-message-ack-deadline")) {
          assertThat(call).contains("--ack-deadline=0");
        }
        ids.addAll(List.of(CloudBuild.flag(call, "--ack-ids").split(",")));
      }
    }
    return ids;
  }
}
