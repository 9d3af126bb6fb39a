package dev.mlcp.experiments.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.experiments.notebooks.Experiment;
import dev.mlcp.experiments.notebooks.ExperimentRepository;
import dev.mlcp.experiments.notebooks.ExperimentService;
import dev.mlcp.experiments.notebooks.FakeInstances;
import dev.mlcp.experiments.notebooks.NotebookFixture;
import dev.mlcp.experiments.notebooks.NotebookPlan;
import dev.mlcp.experiments.notebooks.Reaper;
import dev.mlcp.experiments.notebooks.VmShape;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.local.LocalProcessInstances;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import dev.mlcp.state.Outbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures of the note (printed as {@code BENCH …} lines, no timing assertions):
 *
 * <ul>
 *   <li>create → RUNNING with its address in local mode: the real agent in notebook mode and the
 *       JupyterLab stand-in as processes, p50 of {@code create} (RUNNING, internal IP) and of the
 *       first heartbeat (JupyterLab's port, hence the URL);
 *   <li>listing 1,000 experiments through the indexes (pages of 200 and of 50), over the local
 *       state store;
 *   <li>a reaper pass over 1,000 live experiments and their 1,000 VMs, with the Compute calls it
 *       makes.
 * </ul>
 *
 * <pre>./mvnw -B -ntp -pl services/experiment-vm -am -Pbench test -Dtest=NotebookBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
@Tag("bench")
class NotebookBenchTest {
  private static final int N = 1000;

  @TempDir Path dir;

  private static long p50(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private static void bench(String what, Object... args) {
    System.out.println("BENCH " + String.format(Locale.ROOT, what, args));
  }

  /** 1,000 live experiments of 50 owners, recorded as the service records them, and their VMs. */
  private List<Experiment> populate(NotebookFixture f, FakeInstances vms) {
    List<Experiment> all = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      String name = String.format(Locale.ROOT, "exp-%04d", i);
      Experiment e =
          Experiment.provisioning(
                  String.format(Locale.ROOT, "exp-01hx%022d", i),
                  name,
                  "user" + (i % 50) + "@example.com",
                  new VmShape(
                      "n1-standard-4",
                      null,
                      0,
                      100,
                      "projects/p1234/global/images/i",
                      false,
                      false),
                  List.of("europe-west4-a"),
                  Duration.ofHours(8),
                  Duration.ofHours(1),
                  Duration.ofHours(24),
                  f.clock.instant())
              .placed("europe-west4-a", "10.0.0.1", null, f.clock.instant());
      f.experiments.documents().create(e.withOutbox(Outbox.empty()));
      vms.put(
          e.instance(),
          "europe-west4-a",
          InstanceStatus.RUNNING,
          Map.of(NotebookPlan.EXPERIMENT_LABEL, name, NotebookPlan.ID_LABEL, e.id()));
      all.add(e);
    }
    return all;
  }

  @Test
  void list_1000_and_reap_1000() {
    FakeInstances vms = new FakeInstances();
    NotebookFixture f = new NotebookFixture(dir, vms);
    long start = System.nanoTime();
    List<Experiment> all = populate(f, vms);
    bench("populate: %d experiments in %d ms", all.size(), (System.nanoTime() - start) / 1_000_000);

    List<Long> full = new ArrayList<>();
    List<Long> firstPage = new ArrayList<>();
    for (int round = 0; round < 7; round++) {
      long t = System.nanoTime();
      int seen = 0;
      String token = null;
      do {
        Page<Experiment> page =
            f.experiments.list(ExperimentRepository.ALL, ExperimentRepository.YES, 200, token);
        seen += page.items().size();
        token = page.nextPageToken();
      } while (token != null);
      full.add((System.nanoTime() - t) / 1_000_000);
      assertThat(seen).isEqualTo(N);
      t = System.nanoTime();
      f.experiments.list(ExperimentRepository.ALL, ExperimentRepository.YES, 50, null);
      firstPage.add((System.nanoTime() - t) / 1_000_000);
    }
    bench(
        "list %d experiments (5 pages of 200): p50 %d ms; first page of 50: p50 %d ms",
        N, p50(full), p50(firstPage));

    // Half the VMs could be idle by now (70 minutes later) and say so; the rest were active.
    f.clock.advance(Duration.ofMinutes(70));
    for (int i = 0; i < N; i++) {
      String beat =
          i % 2 == 0
              ? NotebookFixture.heartbeat(f.clock.instant(), f.clock.instant(), "kernel")
              : NotebookFixture.heartbeat(
                  f.clock.instant(), f.clock.instant().minus(Duration.ofMinutes(5)));
      vms.heartbeat(all.get(i).instance(), beat);
    }
    List<Long> passes = new ArrayList<>();
    Reaper.Report first = f.reaper.reap();
    bench(
        "reaper pass over %d live experiments and %d VMs (first, reads every heartbeat): %d ms, %d Compute calls (%d list pages, %d guest-attribute reads), %d actions",
        first.liveExperiments(),
        first.instancesSeen(),
        first.millis(),
        first.computeCalls(),
        first.computeCalls() - first.guestAttributeReads(),
        first.guestAttributeReads(),
        first.actions().size());
    Reaper.Report steady = null;
    for (int round = 0; round < 5; round++) {
      steady = f.reaper.reap();
      passes.add(steady.millis());
    }
    bench(
        "reaper pass over %d live experiments (steady: activity recorded, nothing idle): p50 %d ms, %d Compute calls (%d guest-attribute reads)",
        steady.liveExperiments(), p50(passes), steady.computeCalls(), steady.guestAttributeReads());
  }

  @Test
  void create_to_running_with_address_in_local_mode() throws Exception {
    Path repo = Path.of("").toAbsolutePath().getParent().getParent();
    Path imageMap =
        Files.writeString(
            dir.resolve("image-map"),
            "projects/ = python3 " + repo.resolve("infra/vm/testing/fake-jupyter") + "\n");
    Path state = dir.resolve("state");
    LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(state.resolve("objects"));
    try (LocalProcessInstances instances =
        new LocalProcessInstances(
            state,
            List.of("bash", repo.resolve("infra/vm/mlcp-agent.sh").toString()),
            "mlcp-bench",
            Clock.systemUTC(),
            new LocalProcessInstances.AgentSupport(
                store,
                new LocalFileSecrets(state.resolve("secrets"), Clock.systemUTC()),
                new JsonLinesLogs(state.resolve("logs")),
                Map.of(
                    "MLCP_IMAGE_MAP",
                    imageMap.toString(),
                    "MLCP_HEARTBEAT_SECONDS",
                    "0.2",
                    "MLCP_JUPYTER_PORT",
                    "0"),
                "mlcp-run-id"))) {
      NotebookFixture f = new NotebookFixture(dir.resolve("f"), instances);
      List<Long> running = new ArrayList<>();
      List<Long> address = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        long t = System.nanoTime();
        Experiment e = f.service.create("bench@example.com", NotebookFixture.named("bench-" + i));
        running.add((System.nanoTime() - t) / 1_000_000);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        ExperimentService.Observation seen;
        do {
          seen = f.service.observe(f.experiments.find(e.id()).orElseThrow());
          if (seen.experiment().heartbeat() != null
              && seen.experiment().heartbeat().port() != null) {
            break;
          }
          Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        address.add((System.nanoTime() - t) / 1_000_000);
        assertThat(seen.experiment().heartbeat()).isNotNull();
        f.service.delete(seen.experiment(), "bench@example.com");
      }
      bench(
          "create -> RUNNING with internal IP, local mode: p50 %d ms (n=10, max %d ms)",
          p50(running), Collections.max(running));
      bench(
          "create -> first heartbeat (JupyterLab's port: the URL), local mode: p50 %d ms (n=10, max %d ms)",
          p50(address), Collections.max(address));
    }
  }
}
