package dev.mlcp.training.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.training.LocalVmResource;
import dev.mlcp.training.runs.InstancePlan;
import dev.mlcp.training.runs.MutableClock;
import dev.mlcp.training.runs.PreemptionPolicy;
import dev.mlcp.training.runs.Reconciler;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunRepository;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.SubmitPolicy;
import dev.mlcp.training.runs.TestTrainingConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One reconcile pass over {@code bench.vms} (default 10,000) VMs labelled {@code mlcp-run}, wired
 * as in production over the real local ObjectStore in a temp dir and in-memory VMs. The mix: most
 * runs healthy (RUNNING with their VM), some VMs of ended runs whose delete was lost, some orphan
 * VMs without a run, and some running runs whose VM vanished. The leaked and orphan VMs are put
 * back before every pass, so each pass does the same work. A warm-up pass, then 5 measured.
 */
@Tag("bench")
class ReconcileBenchTest {
  static final int VMS = Integer.getInteger("bench.vms", 10_000);
  static final int PASSES = 5;

  @TempDir Path dir;

  @Test
  void reconcile_over_ten_thousand_listed_instances() throws Exception {
    int ended = VMS / 40;
    int orphans = VMS / 40;
    int vanished = VMS / 100;
    int healthy = VMS - ended - orphans;

    // A line per transition of thousands of runs would measure the console, not the service.
    java.util.logging.Logger.getLogger("dev.mlcp.training")
        .setLevel(java.util.logging.Level.WARNING);
    MutableClock clock = new MutableClock(Instant.now());
    CountingObjectStore store = new CountingObjectStore(new LocalDirectoryObjectStore(dir, clock));
    ObjectMapper json =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    TestTrainingConfig config = new TestTrainingConfig();
    RecordingInstances instances = new RecordingInstances();
    RunRepository runs = new RunRepository(store, ObjectUri.parse(config.stateUri()), json);
    InstancePlan plan = new InstancePlan(config, json, "#!/bin/bash\necho agent\n");
    OutboxRelay<Run> relay =
        new OutboxRelay<>(
            runs.documents(), e -> CompletableFuture.completedFuture(null), Duration.ofSeconds(5));
    RunService service =
        new RunService(
            runs,
            instances,
            plan,
            relay,
            store,
            new CloudEventCodec(json),
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            config.maxAttempts(),
            PreemptionPolicy.RETRY,
            new SubmitPolicy(
                new SubmitPolicy.Limits(Integer.MAX_VALUE, Integer.MAX_VALUE, List.of()),
                new LocalFileSecrets(dir.resolve("secrets"), clock),
                email -> false,
                runs,
                plan));
    Reconciler reconciler =
        new Reconciler(
            runs,
            service,
            instances,
            relay,
            clock,
            config.reconcileSettle(),
            config.missingGrace());

    long setupStart = System.nanoTime();
    List<Run> created = submit(service, healthy + ended + vanished);
    List<Instance> leaked = new ArrayList<>();
    long completeStart = System.nanoTime();
    for (Run run : created.subList(healthy, healthy + ended)) {
      leaked.add(instances.vms.get(run.instance()));
      service.complete(completion(plan, run));
    }
    double completeMs = (System.nanoTime() - completeStart) / 1e6 / ended;
    for (Run run : created.subList(healthy + ended, created.size())) {
      instances.vms.remove(run.instance());
    }
    for (int i = 0; i < orphans; i++) {
      String name = String.format(Locale.ROOT, "run-orphan%020d", i);
      leaked.add(
          new Instance(
              name,
              "europe-west4-a",
              InstanceStatus.RUNNING,
              "n1-standard-4",
              false,
              Map.of("mlcp-run", name),
              null,
              null,
              Instant.now()));
    }
    clock.advance(Duration.ofMinutes(10));
    System.out.printf(
        Locale.ROOT,
        "%nreconcile setup: %d runs submitted, %d completed (RunService.complete %.2f ms each,"
            + " one thread, local store), in %.1f s%n",
        created.size(),
        ended,
        completeMs,
        (System.nanoTime() - setupStart) / 1e9);

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.println(
        "=== Reconciler.reconcile() over "
            + VMS
            + " listed VMs ("
            + healthy
            + " healthy, "
            + ended
            + " of ended runs, "
            + orphans
            + " orphans; "
            + vanished
            + " running runs without VM) ===");
    List<Double> measured = new ArrayList<>();
    for (int pass = 0; pass <= PASSES; pass++) {
      leaked.forEach(instances::put);
      System.gc();
      store.reset();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
      long start = System.nanoTime();
      Reconciler.Report report = reconciler.reconcile();
      long nanos = System.nanoTime() - start;
      long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      String label = pass == 0 ? "warm-up" : "pass " + pass;
      System.out.printf(
          Locale.ROOT,
          "%-8s %7.0f ms  seen=%d active=%d actions=%d  allocated=%.0f MiB"
              + "  heap used %.0f -> %.0f MiB (max %.0f MiB)%n",
          label,
          nanos / 1e6,
          report.instancesSeen(),
          report.activeRuns(),
          report.actions().size(),
          allocated / 1048576.0,
          heapBefore / 1048576.0,
          heapAfter / 1048576.0,
          memory.getHeapMemoryUsage().getMax() / 1048576.0);
      System.out.println("         store calls: " + store.counts());
      if (pass > 0) {
        measured.add(nanos / 1e6);
        assertThat(report.instancesSeen()).isEqualTo(VMS);
      }
    }
    leaked.forEach(instances::put);
    breakdown(instances, runs);
    breakdown(instances, runs);
    double mean = measured.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double min = measured.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = measured.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    System.out.printf(
        Locale.ROOT,
        "reconcile of %d VMs: mean %.0f ms, min %.0f ms, max %.0f ms over %d passes%n",
        VMS,
        mean,
        min,
        max,
        PASSES);
  }

  /** Where a pass's time goes: each part of it alone, over the same data. */
  static void breakdown(RecordingInstances instances, RunRepository runs) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    List<Instance> listed =
        instances.listAll(dev.mlcp.platform.instances.InstanceFilter.hasLabel("mlcp-run")).toList();
    long list = System.nanoTime() - start;
    long allocated = threads.getCurrentThreadAllocatedBytes();
    start = System.nanoTime();
    for (Instance vm : listed) {
      runs.find(vm.labels().get("mlcp-run"));
    }
    long finds = System.nanoTime() - start;
    long findBytes = threads.getCurrentThreadAllocatedBytes() - allocated;
    allocated = threads.getCurrentThreadAllocatedBytes();
    start = System.nanoTime();
    int active = runs.activeIds().toList().size();
    long activeIds = System.nanoTime() - start;
    long activeBytes = threads.getCurrentThreadAllocatedBytes() - allocated;
    System.out.printf(
        Locale.ROOT,
        "breakdown: list %d VMs %.0f ms | %d x RunRepository.find %.0f ms (%.3f ms, %.1f KiB"
            + " each) | activeIds (%d) %.0f ms, %.0f MiB%n",
        listed.size(),
        list / 1e6,
        listed.size(),
        finds / 1e6,
        finds / 1e6 / Math.max(1, listed.size()),
        findBytes / 1024.0 / Math.max(1, listed.size()),
        active,
        activeIds / 1e6,
        activeBytes / 1048576.0);
  }

  static List<Run> submit(RunService service, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Run>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () ->
                    service.submit(
                        "ana@example.com",
                        RunSpec.of("bench", LocalVmResource.TRAINER_IMAGE),
                        null,
                        null)));
      }
      List<Run> runs = new ArrayList<>();
      for (Future<Run> f : futures) {
        runs.add(f.get(10, TimeUnit.MINUTES));
      }
      return runs;
    } finally {
      pool.shutdown();
    }
  }

  static EventEnvelope<TrainingCompleted> completion(InstancePlan plan, Run run) {
    Instant now = Instant.now();
    return EventEnvelope.of(
        "//mlcp/vm-agent/" + run.instance(),
        new TrainingCompleted(
            run.id(),
            run.attempt(),
            run.instance(),
            run.zone(),
            0,
            plan.outputUri(run),
            new ResourceUse(60, 50, 1 << 30, 0),
            now.minusSeconds(60),
            now,
            null));
  }
}
