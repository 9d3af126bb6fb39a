package dev.mlcp.platform.serving.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.run.v2.Condition;
import com.google.cloud.run.v2.CreateServiceRequest;
import com.google.cloud.run.v2.DeleteRevisionRequest;
import com.google.cloud.run.v2.GetRevisionRequest;
import com.google.cloud.run.v2.GetServiceRequest;
import com.google.cloud.run.v2.Revision;
import com.google.cloud.run.v2.RevisionsClient;
import com.google.cloud.run.v2.RevisionsSettings;
import com.google.cloud.run.v2.Service;
import com.google.cloud.run.v2.ServicesClient;
import com.google.cloud.run.v2.ServicesSettings;
import com.google.cloud.run.v2.TrafficTarget;
import com.google.cloud.run.v2.UpdateServiceRequest;
import com.google.longrunning.Operation;
import com.google.protobuf.Any;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.InProcessGrpc;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.RetryPolicy;
import dev.mlcp.platform.serving.ServingStack;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Cloud Run stack against in-process gRPC Services and Revisions servers with Cloud Run's
 * rules: a new template makes a revision, traffic targets name existing revisions and sum to 100,
 * updates carry the etag, a revision with traffic cannot be deleted.
 */
class CloudRunStackTest {
  static final String SERVICES = "google.cloud.run.v2.Services";
  static final String REVISIONS = "google.cloud.run.v2.Revisions";

  final Map<String, Service> services = new TreeMap<>();
  final Map<String, Revision> revisions = new TreeMap<>();
  final List<String> calls = new ArrayList<>();
  InProcessGrpc servicesServer;
  InProcessGrpc revisionsServer;
  CloudRunStack stack;

  @BeforeEach
  void start() throws Exception {
    servicesServer =
        new InProcessGrpc(SERVICES)
            .unary(
                SERVICES,
                "CreateService",
                CreateServiceRequest.getDefaultInstance(),
                Operation.getDefaultInstance(),
                this::create)
            .unary(
                SERVICES,
                "GetService",
                GetServiceRequest.getDefaultInstance(),
                Service.getDefaultInstance(),
                this::get)
            .unary(
                SERVICES,
                "UpdateService",
                UpdateServiceRequest.getDefaultInstance(),
                Operation.getDefaultInstance(),
                this::update)
            .start();
    revisionsServer =
        new InProcessGrpc(REVISIONS)
            .unary(
                REVISIONS,
                "GetRevision",
                GetRevisionRequest.getDefaultInstance(),
                Revision.getDefaultInstance(),
                this::getRevision)
            .unary(
                REVISIONS,
                "DeleteRevision",
                DeleteRevisionRequest.getDefaultInstance(),
                Operation.getDefaultInstance(),
                this::deleteRevision)
            .start();
    ServicesClient sc =
        ServicesClient.create(
            ServicesSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setTransportChannelProvider(servicesServer.channelProvider())
                .build());
    RevisionsClient rc =
        RevisionsClient.create(
            RevisionsSettings.newBuilder()
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setTransportChannelProvider(revisionsServer.channelProvider())
                .build());
    stack =
        new CloudRunStack(
            "proj",
            "europe-west4",
            sc,
            rc,
            new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5))));
  }

  @AfterEach
  void stop() throws Exception {
    stack.close();
    servicesServer.close();
    revisionsServer.close();
  }

  // ---- the fake -------------------------------------------------------------------------------

  private static Operation done(com.google.protobuf.Message response) {
    return Operation.newBuilder()
        .setName("operations/" + UUID.randomUUID())
        .setDone(true)
        .setResponse(Any.pack(response))
        .build();
  }

  private synchronized Operation create(CreateServiceRequest r) {
    calls.add("CreateService");
    String name = r.getParent() + "/services/" + r.getServiceId();
    if (services.containsKey(name)) {
      throw Status.ALREADY_EXISTS.withDescription(name).asRuntimeException();
    }
    Service s =
        r.getService().toBuilder()
            .setName(name)
            .setUri("https://" + r.getServiceId() + ".run.app")
            .build();
    return done(store(s));
  }

  private synchronized Service get(GetServiceRequest r) {
    calls.add("GetService");
    Service s = services.get(r.getName());
    if (s == null) {
      throw Status.NOT_FOUND.withDescription(r.getName()).asRuntimeException();
    }
    return s;
  }

  private synchronized Operation update(UpdateServiceRequest r) {
    calls.add("UpdateService");
    Service current = services.get(r.getService().getName());
    if (current == null) {
      throw Status.NOT_FOUND.asRuntimeException();
    }
    if (!r.getService().getEtag().isEmpty()
        && !r.getService().getEtag().equals(current.getEtag())) {
      throw Status.ABORTED.withDescription("etag mismatch").asRuntimeException();
    }
    return done(store(r.getService()));
  }

  private Service store(Service s) {
    int sum = 0;
    String revisionName = s.getName() + "/revisions/" + s.getTemplate().getRevision();
    if (!revisions.containsKey(revisionName)) {
      boolean broken = s.getTemplate().getContainers(0).getImage().contains("broken");
      revisions.put(
          revisionName,
          Revision.newBuilder()
              .setName(revisionName)
              .addConditions(
                  Condition.newBuilder()
                      .setType("Ready")
                      .setState(
                          broken
                              ? Condition.State.CONDITION_FAILED
                              : Condition.State.CONDITION_SUCCEEDED)
                      .setMessage(broken ? "container failed to start" : ""))
              .build());
    }
    for (TrafficTarget t : s.getTrafficList()) {
      if (!revisions.containsKey(s.getName() + "/revisions/" + t.getRevision())) {
        throw Status.INVALID_ARGUMENT
            .withDescription("no revision " + t.getRevision())
            .asRuntimeException();
      }
      sum += t.getPercent();
    }
    if (sum != 100) {
      throw Status.INVALID_ARGUMENT.withDescription("traffic sums to " + sum).asRuntimeException();
    }
    Service stored =
        s.toBuilder()
            .setEtag(UUID.randomUUID().toString())
            .setLatestReadyRevision(revisionName)
            .build();
    services.put(s.getName(), stored);
    return stored;
  }

  private synchronized Revision getRevision(GetRevisionRequest r) {
    calls.add("GetRevision");
    Revision rev = revisions.get(r.getName());
    if (rev == null) {
      throw Status.NOT_FOUND.asRuntimeException();
    }
    return rev;
  }

  private synchronized Operation deleteRevision(DeleteRevisionRequest r) {
    calls.add("DeleteRevision");
    Revision rev = revisions.get(r.getName());
    if (rev == null) {
      throw Status.NOT_FOUND.asRuntimeException();
    }
    String service = r.getName().substring(0, r.getName().indexOf("/revisions/"));
    String shortName = r.getName().substring(r.getName().lastIndexOf('/') + 1);
    for (TrafficTarget t : services.get(service).getTrafficList()) {
      if (t.getRevision().equals(shortName)) {
        throw Status.FAILED_PRECONDITION
            .withDescription("revision has traffic")
            .asRuntimeException();
      }
    }
    revisions.remove(r.getName());
    return done(rev);
  }

  // ---- tests ----------------------------------------------------------------------------------

  static ServingStack.RevisionSpec spec(String revision, String image) {
    return new ServingStack.RevisionSpec(
        "churn",
        revision,
        image,
        "gs://reg/models/churn/versions/3/",
        "b".repeat(64),
        "e2-standard-2",
        1,
        3,
        0.6,
        "/healthz",
        8080,
        null,
        Map.of(),
        Map.of(),
        Map.of());
  }

  @Test
  void revision_then_traffic_by_percent_then_delete() {
    List<String> steps = new ArrayList<>();
    stack.ensureRevision(spec("r1", "img:1"), steps::add);
    assertThat(steps).containsExactly("revision-created");
    Service s = services.get("projects/proj/locations/europe-west4/services/churn");
    assertThat(s.getTemplate().getRevision()).isEqualTo("churn-r1");
    assertThat(s.getTemplate().getVolumes(0).getGcs().getBucket()).isEqualTo("reg");
    assertThat(s.getTemplate().getContainers(0).getEnvList())
        .anyMatch(
            e -> e.getName().equals("MLCP_MODEL_SHA256") && e.getValue().equals("b".repeat(64)))
        .anyMatch(
            e ->
                e.getName().equals("MLCP_MODEL_DIR")
                    && e.getValue().equals("/mnt/models/models/churn/versions/3/"));
    assertThat(stack.traffic("churn").percents()).containsExactly(Map.entry("r1", 100));
    assertThat(stack.revisionHealth("churn", "r1").allHealthy()).isTrue();

    stack.ensureRevision(spec("r2", "img:2"), s2 -> {});
    ServingStack.Traffic t = stack.traffic("churn");
    assertThat(t.percents()).containsEntry("r1", 100).containsEntry("r2", 0);
    Map<String, Integer> canary = new LinkedHashMap<>();
    canary.put("r1", 90);
    canary.put("r2", 10);
    ServingStack.Traffic after = stack.setTraffic("churn", canary, t.fingerprint());
    assertThat(after.percents()).containsEntry("r1", 90).containsEntry("r2", 10);
    assertThat(after.url()).isEqualTo("https://churn.run.app");

    assertThatThrownBy(() -> stack.setTraffic("churn", Map.of("r2", 100), t.fingerprint()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThatThrownBy(() -> stack.deleteRevision("churn", "r1", x -> {}))
        .isInstanceOf(PlatformException.class);

    ServingStack.Traffic full = stack.setTraffic("churn", Map.of("r2", 100), after.fingerprint());
    assertThat(full.percents()).containsExactly(Map.entry("r2", 100));
    assertThat(stack.deleteRevision("churn", "r1", x -> {})).isTrue();
    assertThat(stack.revisionHealth("churn", "r1").exists()).isFalse();
    assertThat(stack.deleteRevision("churn", "r1", x -> {})).isFalse();
  }

  @Test
  void ensure_revision_again_makes_no_second_update() {
    stack.ensureRevision(spec("r1", "img:1"), x -> {});
    calls.clear();
    stack.ensureRevision(spec("r1", "img:1"), x -> {});
    assertThat(calls).containsExactly("GetService");
  }

  @Test
  void a_revision_that_does_not_start_is_unhealthy() {
    stack.ensureRevision(spec("r1", "img:1"), x -> {});
    stack.ensureRevision(spec("r2", "broken:1"), x -> {});
    ServingStack.RevisionHealth h = stack.revisionHealth("churn", "r2");
    assertThat(h.allHealthy()).isFalse();
    assertThat(h.detail()).contains("container failed to start");
  }
}
