package dev.mlcp.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CloudEventCodecTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:15:30.123Z");
  private final CloudEventCodec codec = new CloudEventCodec();

  /** One sample of every event type, with every field set. */
  static Stream<MlcpEvent> samples() {
    Machine machine = new Machine("n1-standard-8", "nvidia-tesla-t4", 1, true);
    ResourceUse use = new ResourceUse(120.5, 300.25, 1_073_741_824L, 120.5);
    RunSpec spec =
        new RunSpec(
            "churn-model",
            "europe-docker.pkg.dev/p/r/trainer:1.2",
            List.of("python", "-m", "train"),
            List.of("--epochs", "3"),
            Map.of("LR", "0.1"),
            List.of("openai-key"),
            "n1-standard-8",
            "nvidia-tesla-t4",
            1,
            true,
            "fallbackOnDemand",
            List.of("europe-west4-a", "europe-west4-b"),
            3600,
            List.of("gs://data/train.csv", "bq://p.ds.table"),
            "gs://artifacts/runs",
            Map.of("team", "growth"),
            List.of(RunSpec.of("churn-eval", "europe-docker.pkg.dev/p/r/eval:1")));
    return Stream.of(
        new TrainingRequested("nightly-2026-11-23", "ana@example.com", spec),
        new RunEvent.Provisioning("run-01", "ana@example.com", 1, "mlcp-run-01", "z-a", machine),
        new RunEvent.Running("run-01", "ana@example.com", 1, "mlcp-run-01", "z-a", T0),
        new RunEvent.Succeeded(
            "run-01",
            "ana@example.com",
            1,
            "churn-model",
            "img:1",
            "gs://b/staging/run-01/",
            machine,
            use,
            0.42,
            T0,
            T0.plusSeconds(120),
            Map.of("team", "growth"),
            new RunProvenance(
                "pubsub",
                "//cloudbuild/mlcp-demo/train",
                null,
                List.of("gs://b/data/"),
                List.of(),
                List.of("--epochs", "3"),
                List.of("LR"),
                List.of("hf-token"),
                "z-a")),
        new RunEvent.Failed("run-01", "ana@example.com", 2, 3, "container exited 3"),
        new RunEvent.Cancelled("run-01", "ana@example.com", 1, "bob@example.com"),
        new RunEvent.Preempted("run-01", "ana@example.com", 1, "mlcp-run-01", "z-a"),
        new RunEvent.Retrying("run-01", "ana@example.com", 2, "preempted", false),
        new TrainingCompleted(
            "run-01", 1, "mlcp-run-01", "z-a", 0, "gs://b/staging/run-01/", use, T0, T0, null),
        new ModelEvent.Registered(
            "churn-model",
            "v3",
            "run-01",
            "gs://reg/models/churn-model/v3/",
            "ab12",
            2048,
            Map.of("auc", 0.91),
            "ana@example.com"),
        new ModelEvent.Promoted(
            "churn-model",
            "v3",
            "production",
            "gs://reg/models/churn-model/v3/",
            "gate",
            "v2",
            "gate passed",
            "gate"),
        new ModelEvent.Rejected(
            "churn-model", "v4", "gate failed", List.of("auc 0.6 < 0.8"), "run-01"),
        new ModelEvent.Rejected(
            "churn-model", null, "ad-hoc run: not registrable", List.of(), "run-02"),
        new DeployRequested(
            "build-77",
            "churn",
            "churn-model",
            null,
            "production",
            "gce",
            "img:2",
            10,
            "ci@x",
            "canary",
            List.of(10, 50, 100),
            30,
            true,
            "e2-standard-2",
            1,
            3,
            0.6,
            "/healthz",
            Map.of("LOG_LEVEL", "info"),
            null,
            null,
            null),
        new DeployEvent.Started("dep-1", "churn", "churn-v3", "churn-model", "v3", "gs://w", "gce"),
        new DeployEvent.Progressed("dep-1", "churn", "churn-v3", "canary", 10),
        new DeployEvent.Succeeded("dep-1", "churn", "churn-v3", 100, "http://10.0.0.1/"),
        new DeployEvent.Failed("dep-1", "churn", "churn-v3", "health check failed"),
        new DeployEvent.RolledBack("dep-1", "churn", "churn-v3", "churn-v2", "errors"),
        new ExperimentEvent.Created("nb-ana", "ana@example.com", "z-a", "e2-standard-4", T0),
        new ExperimentEvent.Expiring("nb-ana", "ana@example.com", T0),
        new ExperimentEvent.Deleted("nb-ana", "ana@example.com", "expired"),
        new ExperimentEvent.Stopped("nb-ana", "ana@example.com", "idle"));
  }

  @Test
  void every_event_type_has_a_sample_so_round_trips_cover_the_whole_contract() {
    assertThat(samples().map(EventType::of).distinct().count())
        .isEqualTo(EventType.values().length);
  }

  @ParameterizedTest
  @MethodSource("samples")
  void encode_then_decode_returns_the_same_event_and_context(MlcpEvent event) {
    EventEnvelope<MlcpEvent> sent = new EventEnvelope<>("id-1", "//mlcp/test", T0, null, event);

    EncodedEvent encoded = codec.encode(sent);
    EventEnvelope<MlcpEvent> received = codec.decode(encoded.attributes(), encoded.data());

    assertThat(received).isEqualTo(sent);
    assertThat(received.subject()).isEqualTo(event.subject());
    assertThat(encoded.orderingKey()).isEqualTo(event.subject());
  }

  @Test
  void structured_mode_document_decodes_like_the_binary_event() {
    TrainingCompleted done =
        new TrainingCompleted(
            "run-01",
            2,
            "run-01-a2",
            "z-a",
            0,
            "gs://b/staging/run-01/",
            ResourceUse.none(),
            T0,
            T0,
            null);
    String document =
        "{\"specversion\":\"1.0\",\"type\":\"dev.mlcp.training.completed.v1\","
            + "\"source\":\"//mlcp/vm-agent/run-01-a2\",\"id\":\"run-01-2-completed\","
            + "\"time\":\"2026-11-23T10:00:00Z\",\"subject\":\"run-01\","
            + "\"datacontenttype\":\"application/json\",\"data\":"
            + new String(codec.encode(EventEnvelope.of("//x", done)).data(), StandardCharsets.UTF_8)
            + "}";

    EventEnvelope<MlcpEvent> decoded =
        codec.decodeStructured(document.getBytes(StandardCharsets.UTF_8));

    assertThat(decoded.data()).isEqualTo(done);
    assertThat(decoded.id()).isEqualTo("run-01-2-completed");
    assertThat(decoded.source()).isEqualTo("//mlcp/vm-agent/run-01-a2");
    assertThatThrownBy(() -> codec.decodeStructured("{\"specversion\":\"1.0\"}".getBytes()))
        .isInstanceOf(InvalidEventException.class);
  }

  @Test
  void attributes_follow_cloudevents_binary_mode() {
    EventEnvelope<RunEvent.Failed> sent =
        new EventEnvelope<>(
            "id-9",
            "//mlcp/training-runner",
            T0,
            null,
            new RunEvent.Failed("run-1", "a@b", 1, 2, "x"));

    Map<String, String> attributes = codec.encode(sent).attributes();

    assertThat(attributes)
        .containsEntry("ce-specversion", "1.0")
        .containsEntry("ce-type", "dev.mlcp.run.failed.v1")
        .containsEntry("ce-source", "//mlcp/training-runner")
        .containsEntry("ce-id", "id-9")
        .containsEntry("ce-time", "2026-11-23T10:15:30.123Z")
        .containsEntry("ce-subject", "run-1")
        .containsEntry("content-type", "application/json");
  }

  @Test
  void event_published_by_hand_with_unknown_fields_and_offset_time_decodes() {
    // What Cloud Scheduler or a gcloud publish sends: a newer producer's extra field, a +01:00
    // time.
    Map<String, String> attributes = attributes("dev.mlcp.training.requested.v1");
    attributes.put("ce-time", "2026-11-23T11:15:30+01:00");
    byte[] body =
        """
        {"owner":"sched@p.iam.gserviceaccount.com","addedLater":true,
         "spec":{"name":"nightly","image":"europe-docker.pkg.dev/p/r/t:1"}}"""
            .getBytes(UTF_8);

    EventEnvelope<MlcpEvent> received = codec.decode(attributes, body);

    assertThat(received.time()).isEqualTo(Instant.parse("2026-11-23T10:15:30Z"));
    TrainingRequested requested = (TrainingRequested) received.data();
    assertThat(requested.spec().args()).isEmpty();
    assertThat(requested.subject()).isEqualTo("nightly");
  }

  @Test
  void unknown_type_is_its_own_error() {
    assertThatThrownBy(() -> codec.decode(attributes("dev.mlcp.nope.v1"), "{}".getBytes(UTF_8)))
        .isInstanceOf(UnknownEventTypeException.class)
        .hasMessageContaining("dev.mlcp.nope.v1")
        .satisfies(
            e -> assertThat(((UnknownEventTypeException) e).type()).isEqualTo("dev.mlcp.nope.v1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ce-specversion", "ce-type", "ce-source", "ce-id", "ce-time"})
  void missing_required_attribute_is_named(String attribute) {
    Map<String, String> attributes = attributes("dev.mlcp.run.cancelled.v1");
    attributes.remove(attribute);

    assertThatThrownBy(() -> codec.decode(attributes, cancelledJson()))
        .isInstanceOfSatisfying(
            InvalidEventException.class, e -> assertThat(e.field()).isEqualTo(attribute));
  }

  @Test
  void missing_time_takes_the_fallback_when_one_is_given() {
    Map<String, String> attributes = attributes("dev.mlcp.run.cancelled.v1");
    attributes.remove("ce-time");

    assertThat(codec.decode(attributes, cancelledJson(), T0).time()).isEqualTo(T0);
  }

  @Test
  void other_specversion_is_rejected() {
    Map<String, String> attributes = attributes("dev.mlcp.run.cancelled.v1");
    attributes.put("ce-specversion", "0.3");

    assertThatThrownBy(() -> codec.decode(attributes, cancelledJson()))
        .isInstanceOfSatisfying(
            InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("ce-specversion"));
  }

  @Test
  void bad_time_is_named() {
    Map<String, String> attributes = attributes("dev.mlcp.run.cancelled.v1");
    attributes.put("ce-time", "yesterday");

    assertThatThrownBy(() -> codec.decode(attributes, cancelledJson()))
        .isInstanceOfSatisfying(
            InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("ce-time"));
  }

  @Test
  void non_json_content_type_is_rejected() {
    Map<String, String> attributes = attributes("dev.mlcp.run.cancelled.v1");
    attributes.put("content-type", "text/plain");

    assertThatThrownBy(() -> codec.decode(attributes, cancelledJson()))
        .isInstanceOfSatisfying(
            InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("content-type"));
  }

  @Test
  void missing_field_in_data_is_named_with_its_path() {
    byte[] body = "{\"owner\":\"a@b\",\"spec\":{\"image\":\"img:1\"}}".getBytes(UTF_8);

    assertThatThrownBy(() -> codec.decode(attributes("dev.mlcp.training.requested.v1"), body))
        .isInstanceOfSatisfying(
            InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("data.spec.name"));
  }

  @Test
  void wrongly_typed_field_is_named_with_its_path() {
    byte[] body = "{\"runId\":\"r\",\"instance\":\"i\",\"exitCode\":\"zero\"}".getBytes(UTF_8);

    assertThatThrownBy(() -> codec.decode(attributes("dev.mlcp.training.completed.v1"), body))
        .isInstanceOfSatisfying(
            InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("data.exitCode"));
  }

  @Test
  void invalid_uri_is_named() {
    byte[] body = "{\"runId\":\"r\",\"instance\":\"i\",\"outputUri\":\"/tmp/x\"}".getBytes(UTF_8);

    assertThatThrownBy(() -> codec.decode(attributes("dev.mlcp.training.completed.v1"), body))
        .isInstanceOfSatisfying(
            InvalidEventException.class,
            e -> {
              assertThat(e.field()).isEqualTo("data.outputUri");
              assertThat(e.getMessage()).contains("gs://");
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "[1,2]", "null", "{\"runId\":"})
  void body_that_is_not_an_event_object_is_rejected(String body) {
    assertThatThrownBy(
            () -> codec.decode(attributes("dev.mlcp.run.cancelled.v1"), body.getBytes(UTF_8)))
        .isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).startsWith("data"));
  }

  @Test
  void null_attributes_are_rejected() {
    assertThatThrownBy(() -> codec.decode(null, cancelledJson()))
        .isInstanceOf(InvalidEventException.class);
  }

  @Test
  void every_type_maps_to_a_known_topic_and_a_distinct_name() {
    for (EventType type : EventType.values()) {
      assertThat(Topics.ALL).contains(type.topic());
      assertThat(type.type()).startsWith("dev.mlcp.").endsWith(".v1");
      assertThat(EventType.ofType(type.type())).isSameAs(type);
    }
  }

  @Test
  void every_subscription_reads_a_known_topic_and_names_are_valid_pubsub_ids() {
    for (Subscriptions.Subscription s : Subscriptions.ALL) {
      assertThat(Topics.ALL).contains(s.topic());
      assertThat(s.name()).matches("[A-Za-z][-A-Za-z0-9._~%+]{2,254}");
      assertThat(s.pushPath()).isEqualTo("/pubsub/push/" + s.channel());
    }
    assertThat(Topics.deadLetterOf("run-events")).isEqualTo("run-events-dead-letter");
  }

  private static Map<String, String> attributes(String type) {
    Map<String, String> attributes = new HashMap<>();
    attributes.put("ce-specversion", "1.0");
    attributes.put("ce-type", type);
    attributes.put("ce-source", "//test");
    attributes.put("ce-id", "id-1");
    attributes.put("ce-time", "2026-11-23T10:15:30Z");
    attributes.put("content-type", "application/json");
    return attributes;
  }

  private static byte[] cancelledJson() {
    return "{\"runId\":\"r\",\"owner\":\"a@b\",\"attempt\":1,\"cancelledBy\":\"a@b\"}"
        .getBytes(UTF_8);
  }
}
