package dev.mlcp.experiments.notebooks;

import static dev.mlcp.experiments.notebooks.NotebookFixture.T0;
import static dev.mlcp.experiments.notebooks.NotebookFixture.heartbeat;
import static dev.mlcp.experiments.notebooks.NotebookFixture.named;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.ExperimentEvent;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.state.PendingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper with a clock the test moves: expiry, idleness, stopped too long, orphans, races. */
class ReaperTest {
  private static final String ANA = "ana@example.com";

  @TempDir Path dir;
  private FakeInstances vms;
  private NotebookFixture f;

  @BeforeEach
  void setUp() {
    vms = new FakeInstances();
    f = new NotebookFixture(dir, vms);
  }

  private Experiment create(String name) {
    return f.service.create(ANA, named(name));
  }

  private Experiment current(String name) {
    return f.service.byName(name).orElseThrow();
  }

  @Test
  void warns_thirty_minutes_before_expiry_once() {
    create("ana-warn");
    f.clock.advance(Duration.ofHours(7).plusMinutes(29));
    vms.heartbeat("nb-ana-warn", heartbeat(f.clock.instant(), f.clock.instant(), "kernel"));
    f.reaper.reap();
    assertThat(f.eventTypes()).doesNotContain("dev.mlcp.experiment.expiring.v1");

    f.clock.advance(Duration.ofMinutes(2));
    Reaper.Report report = f.reaper.reap();
    f.reaper.reap();

    assertThat(report.actions()).anyMatch(a -> a.startsWith("warned ana-warn"));
    assertThat(f.eventTypes().stream().filter(t -> t.equals("dev.mlcp.experiment.expiring.v1")))
        .hasSize(1);
    assertThat(current("ana-warn").state()).isEqualTo(ExperimentState.RUNNING);
  }

  @Test
  void deletes_an_expired_experiments_vm_however_busy() {
    create("ana-expired");
    f.clock.advance(Duration.ofHours(8));
    vms.heartbeat("nb-ana-expired", heartbeat(f.clock.instant(), f.clock.instant(), "kernel"));

    Reaper.Report report = f.reaper.reap();

    Experiment e = current("ana-expired");
    assertThat(e.state()).isEqualTo(ExperimentState.DELETED);
    assertThat(e.reason()).startsWith("expired at");
    assertThat(vms.vms).doesNotContainKey("nb-ana-expired");
    assertThat(report.actions()).anyMatch(a -> a.startsWith("deleted nb-ana-expired"));
    assertThat(f.published.get(f.published.size() - 1).event())
        .isEqualTo(new ExperimentEvent.Deleted("ana-expired", ANA, "expired"));
  }

  @Test
  void stops_a_vm_idle_for_its_idle_timeout_and_keeps_its_disk() {
    create("ana-idle");
    f.clock.advance(Duration.ofMinutes(70));
    // An open kernel last run 65 minutes ago: not activity now.
    vms.heartbeat("nb-ana-idle", heartbeat(f.clock.instant(), T0.plus(Duration.ofMinutes(5))));

    Reaper.Report report = f.reaper.reap();

    Experiment e = current("ana-idle");
    assertThat(e.state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(e.reason()).contains("idle for 65 min");
    assertThat(vms.stops).containsExactly("nb-ana-idle");
    assertThat(vms.vms.get("nb-ana-idle").status()).isEqualTo(InstanceStatus.TERMINATED);
    assertThat(report.guestAttributeReads()).isEqualTo(1);
    assertThat(f.published.get(f.published.size() - 1).event())
        .isEqualTo(new ExperimentEvent.Stopped("ana-idle", ANA, "idle"));
  }

  @Test
  void a_busy_kernel_keeps_it_running() {
    create("ana-busy");
    f.clock.advance(Duration.ofMinutes(70));
    vms.heartbeat("nb-ana-busy", heartbeat(f.clock.instant(), f.clock.instant(), "kernel"));

    f.reaper.reap();

    assertThat(current("ana-busy").state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(vms.stops).isEmpty();
  }

  @Test
  void without_a_heartbeat_or_with_a_stale_one_it_runs_until_its_ttl() {
    create("ana-silent");
    create("ana-stale");
    f.clock.advance(Duration.ofHours(3));
    vms.heartbeat("nb-ana-stale", heartbeat(f.clock.instant().minus(Duration.ofMinutes(20)), null));

    f.reaper.reap();

    assertThat(current("ana-silent").state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(current("ana-stale").state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(vms.stops).isEmpty();
  }

  @Test
  void reads_no_heartbeat_of_a_vm_that_cannot_be_idle_yet() {
    create("ana-fresh");
    f.clock.advance(Duration.ofMinutes(30));

    Reaper.Report report = f.reaper.reap();

    assertThat(report.guestAttributeReads()).isZero();
    assertThat(report.computeCalls()).isEqualTo(1); // the listing
  }

  @Test
  void deletes_a_vm_stopped_longer_than_the_retention() {
    Experiment e = create("ana-parked");
    f.service.stop(e, ANA);
    f.service.extend(current("ana-parked"), Duration.ofHours(15)); // expiry at the 23rd hour
    f.clock.advance(Duration.ofHours(20));
    f.reaper.reap();
    assertThat(current("ana-parked").state()).isEqualTo(ExperimentState.STOPPED);

    Reaper strict =
        new Reaper(
            f.experiments,
            f.service,
            vms,
            f.relay,
            f.clock,
            new Reaper.Timing(
                Duration.ofMinutes(30),
                Duration.ofHours(12),
                Duration.ofMinutes(2),
                Duration.ofMinutes(15)));
    Reaper.Report report = strict.reap();

    assertThat(current("ana-parked").state()).isEqualTo(ExperimentState.DELETED);
    assertThat(current("ana-parked").reason()).startsWith("stopped since");
    assertThat(report.actions()).anyMatch(a -> a.startsWith("deleted nb-ana-parked"));
    assertThat(f.published.get(f.published.size() - 1).event())
        .isEqualTo(new ExperimentEvent.Deleted("ana-parked", ANA, "stopped-too-long"));
  }

  @Test
  void deletes_vms_labelled_for_experiments_that_have_none_or_ended() {
    vms.put(
        "nb-stray", "europe-west4-a", InstanceStatus.RUNNING, Map.of("mlcp-experiment", "stray"));
    Experiment failed = create("ana-gone");
    f.service.delete(failed, ANA);
    vms.put(
        "nb-ana-gone",
        "europe-west4-b",
        InstanceStatus.RUNNING,
        Map.of("mlcp-experiment", "ana-gone", "mlcp-experiment-id", failed.id()));
    vms.put("someone-elses", "europe-west4-a", InstanceStatus.RUNNING, Map.of("team", "serving"));

    Reaper.Report report = f.reaper.reap();

    assertThat(vms.vms).containsOnlyKeys("someone-elses");
    assertThat(report.actions())
        .anyMatch(a -> a.equals("deleted nb-stray: no experiment recorded"))
        .anyMatch(a -> a.equals("deleted nb-ana-gone: its experiment is DELETED"));
  }

  @Test
  void records_a_vm_gone_behind_its_back_and_one_stopped_from_inside() {
    create("ana-lost");
    create("ana-shutdown");
    vms.vms.remove("nb-ana-lost");
    vms.status("nb-ana-shutdown", InstanceStatus.TERMINATED);
    f.clock.advance(Duration.ofMinutes(3));

    f.reaper.reap();

    assertThat(current("ana-lost").state()).isEqualTo(ExperimentState.DELETED);
    assertThat(current("ana-lost").reason()).contains("gone");
    assertThat(current("ana-shutdown").state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(current("ana-shutdown").reason()).contains("stopped outside mlcp");
  }

  @Test
  void a_vm_at_its_hard_limit_is_recorded_as_deleted_by_it() {
    Experiment e = create("ana-limit");
    f.service.extend(e, Duration.ofHours(16));
    f.clock.advance(Duration.ofHours(24));
    vms.vms.remove("nb-ana-limit"); // GCE's maxRunDuration deleted it

    f.reaper.reap();

    assertThat(current("ana-limit").state()).isEqualTo(ExperimentState.DELETED);
    assertThat(current("ana-limit").reason()).contains("expired");
  }

  @Test
  void two_reapers_at_once_act_once() throws Exception {
    for (int i = 0; i < 6; i++) {
      // Two owners: each stays within the cap of 3 experiments per owner.
      f.service.create(i % 2 == 0 ? ANA : "bo@example.com", named("idle-" + i));
    }
    f.clock.advance(Duration.ofMinutes(70));
    for (int i = 0; i < 6; i++) {
      vms.heartbeat("nb-idle-" + i, heartbeat(f.clock.instant(), null));
    }
    int before = f.published.size();

    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Callable<Reaper.Report>> passes = List.of(f.reaper::reap, f.reaper::reap);
    List<Reaper.Report> reports = new ArrayList<>();
    for (Future<Reaper.Report> r : pool.invokeAll(passes)) {
      reports.add(r.get());
    }
    pool.shutdown();

    assertThat(vms.stops).hasSize(6).doesNotHaveDuplicates();
    // One stopped event per experiment; the outbox is at-least-once (two passes may both drain
    // the same pending event), so a repeat carries the same id, which consumers dedupe.
    List<PendingEvent> events = f.published.subList(before, f.published.size());
    assertThat(events)
        .extracting(e -> e.type().type())
        .containsOnly("dev.mlcp.experiment.stopped.v1");
    assertThat(events.stream().map(PendingEvent::id).distinct()).hasSize(6);
    assertThat(reports).allSatisfy(r -> assertThat(r.failures()).isZero());
  }

  @Test
  void a_creation_that_never_finished_fails_after_the_timeout() {
    Experiment provisioning =
        Experiment.provisioning(
            "exp-01hxprovisioning0000000000",
            "half-made",
            ANA,
            new VmShape(
                "n1-standard-4", null, 0, 100, "projects/p1234/global/images/i", false, false),
            List.of("europe-west4-a"),
            Duration.ofHours(8),
            Duration.ofHours(1),
            Duration.ofHours(24),
            T0);
    f.experiments.documents().create(provisioning);
    f.clock.advance(Duration.ofMinutes(16));

    f.reaper.reap();

    assertThat(f.experiments.find(provisioning.id()).orElseThrow().state())
        .isEqualTo(ExperimentState.FAILED);
  }
}
