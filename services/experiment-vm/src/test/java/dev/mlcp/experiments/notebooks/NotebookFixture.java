package dev.mlcp.experiments.notebooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.state.PendingEvent;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The notebook domain wired over a local object store (state), a fake or real {@link Instances}, a
 * clock tests move and a relay that records published events.
 */
public final class NotebookFixture {
  public static final Instant T0 = Instant.parse("2026-05-04T08:00:00Z");
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  public final MutableClock clock = new MutableClock(T0);
  public final LocalDirectoryObjectStore store;
  public final ExperimentRepository experiments;
  public final List<PendingEvent> published = new CopyOnWriteArrayList<>();
  public final OutboxRelay<Experiment> relay;
  public final NotebookPolicy policy;
  public final NotebookPlan plan;
  public final ExperimentService service;
  public final Reaper reaper;
  public final Instances instances;

  public NotebookFixture(Path dir, Instances instances) {
    this(dir, instances, caps());
  }

  public NotebookFixture(Path dir, Instances instances, NotebookPolicy.Caps caps) {
    this.instances = instances;
    this.store = new LocalDirectoryObjectStore(dir.resolve("objects"), clock);
    this.experiments =
        new ExperimentRepository(store, ObjectUri.parse("gs://state/experiment-vm"), JSON);
    this.relay =
        new OutboxRelay<>(
            experiments.documents(),
            e -> {
              published.add(e);
              return CompletableFuture.completedFuture(null);
            },
            Duration.ofSeconds(5));
    this.policy =
        new NotebookPolicy(
            caps,
            new NotebookPolicy.Defaults(
                List.of("europe-west4-a", "europe-west4-b"),
                "n1-standard-4",
                "projects/deeplearning-platform-release/global/images/family/common-cpu-notebooks",
                "projects/deeplearning-platform-release/global/images/family/common-cu124-notebooks",
                100,
                false));
    this.plan =
        new NotebookPlan(
            new NotebookPlan.Settings(8080, Duration.ofSeconds(60), null, "#!/bin/bash\n"));
    this.service =
        new ExperimentService(
            experiments,
            instances,
            plan,
            policy,
            relay,
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            JSON,
            Duration.ofMinutes(5));
    this.reaper =
        new Reaper(
            experiments,
            service,
            instances,
            relay,
            clock,
            new Reaper.Timing(
                Duration.ofMinutes(30),
                Duration.ofDays(7),
                Duration.ofMinutes(2),
                Duration.ofMinutes(15)));
  }

  /** The default caps of the configuration. */
  public static NotebookPolicy.Caps caps() {
    return new NotebookPolicy.Caps(
        Duration.ofHours(8),
        Duration.ofHours(24),
        Duration.ofMinutes(60),
        Duration.ofMinutes(10),
        Duration.ofHours(4),
        List.of("nvidia-tesla-t4", "nvidia-l4"),
        4,
        3,
        500,
        true);
  }

  /** A request with defaults for everything but the name. */
  public static ExperimentRequest named(String name) {
    return new ExperimentRequest(name, null, null, null, null, null, null, null, null, null, null);
  }

  /** The event types published so far, in order. */
  public List<String> eventTypes() {
    return published.stream().map(e -> e.type().type()).toList();
  }

  /** A heartbeat as the agent writes it. */
  public static String heartbeat(Instant at, Instant lastActivity, String... activeNow) {
    StringBuilder active = new StringBuilder();
    for (String a : activeNow) {
      active.append(active.length() == 0 ? "" : ",").append('"').append(a).append('"');
    }
    return "{\"v\":1,\"at\":\""
        + at
        + "\",\"lastActivity\":"
        + (lastActivity == null ? "null" : "\"" + lastActivity + "\"")
        + ",\"activeNow\":["
        + active
        + "],\"jupyter\":\"up\",\"server\":\"existing\",\"port\":8080,\"kernels\":1,"
        + "\"busyKernels\":"
        + (activeNow.length > 0 ? 1 : 0)
        + ",\"terminals\":0,\"connections\":1,\"sshSessions\":0,\"gpuUtilization\":null}";
  }
}
