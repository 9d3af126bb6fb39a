package dev.mlcp.training.runs;

import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.Machine;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.Instances;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The run lifecycle: submit, provision (with zone fallback), complete, cancel, preemption retry.
 * Every transition is a compare-and-set on the stored run; only the caller whose write made the
 * transition acts on it (deletes the VM, publishes the event), so duplicates and concurrent
 * replicas are harmless.
 */
public class RunService {
  private static final Logger LOG = Logger.getLogger(RunService.class);

  private final RunRepository runs;
  private final Instances instances;
  private final InstancePlan plan;
  private final RunEvents events;
  private final IdGenerator ids;
  private final Clock clock;
  private final int maxAttempts;
  private final String defaultOnPreemption;

  public RunService(
      RunRepository runs,
      Instances instances,
      InstancePlan plan,
      RunEvents events,
      IdGenerator ids,
      Clock clock,
      int maxAttempts,
      String defaultOnPreemption) {
    this.runs = runs;
    this.instances = instances;
    this.plan = plan;
    this.events = events;
    this.ids = ids;
    this.clock = clock;
    this.maxAttempts = maxAttempts;
    this.defaultOnPreemption = defaultOnPreemption;
  }

  /**
   * Accepts a run and provisions its VM. The same {@code requestKey} from the same owner always
   * yields the same run (the first one), whatever happened to it since.
   *
   * @param owner email the run belongs to
   * @param spec what to run; checked against {@link RunSpecRules}
   * @param requestKey idempotency key, null for none
   * @param parentRunId the run whose success started this one, null for none
   * @return the run after provisioning was attempted
   * @throws InvalidRunSpecException naming every invalid field
   */
  public Run submit(String owner, RunSpec spec, String requestKey, String parentRunId) {
    RunSpecRules.require(spec, "spec");
    String id = newRunId();
    if (requestKey != null) {
      String bound = runs.bindKey(owner, requestKey, id);
      if (!bound.equals(id)) {
        Optional<Run> existing = runs.find(bound);
        if (existing.isPresent()) {
          return existing.get();
        }
        // The key was bound by a submit that died before storing its run: finish its work.
        id = bound;
      }
    }
    Instant now = clock.instant();
    Run queued =
        Run.queued(id, owner, spec, now, now.plus(plan.limit(spec)), requestKey, parentRunId);
    try {
      runs.create(queued);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
      return runs.find(id).orElseThrow(() -> e);
    }
    LOG.infof("run %s queued for %s (image %s)", id, owner, spec.image());
    return provision(id);
  }

  /**
   * Creates the VM of the run's current attempt if the run is QUEUED or RETRYING. Safe to call
   * again for the same run: only one caller wins the move to PROVISIONING.
   */
  public Run provision(String runId) {
    AtomicReference<Boolean> won = new AtomicReference<>(false);
    Run claimed =
        runs.update(
                runId,
                r -> {
                  won.set(false);
                  if (r.state() != RunState.QUEUED && r.state() != RunState.RETRYING) {
                    return r;
                  }
                  won.set(true);
                  String instance = r.instanceNameFor(r.attempt());
                  return r.placed(instance, null)
                      .moveTo(RunState.PROVISIONING, clock.instant(), null);
                })
            .orElseThrow(() -> new IllegalArgumentException("no run " + runId));
    if (!won.get()) {
      return claimed;
    }
    return createInstance(claimed);
  }

  private Run createInstance(Run run) {
    List<String> zones = plan.zones(run);
    try {
      Instance created = instances.create(plan.instanceFor(run, zones));
      Run placed =
          runs.update(
                  run.id(),
                  r -> {
                    if (r.state() != RunState.PROVISIONING || r.attempt() != run.attempt()) {
                      return r;
                    }
                    return r.placed(created.name(), created.zone())
                        .moveTo(RunState.RUNNING, clock.instant(), null)
                        .started(clock.instant());
                  })
              .orElseThrow();
      if (placed.state() == RunState.RUNNING && placed.zone() != null) {
        events.publish(
            new RunEvent.Provisioning(
                placed.id(),
                placed.owner(),
                placed.attempt(),
                placed.instance(),
                placed.zone(),
                machine(placed)));
        events.publish(
            new RunEvent.Running(
                placed.id(),
                placed.owner(),
                placed.attempt(),
                placed.instance(),
                placed.zone(),
                placed.startedAt()));
      } else if (placed.state().terminal()) {
        // Cancelled while the VM was being created: the VM must not outlive the run.
        deleteInstance(created.zone(), created.name());
      }
      LOG.infof(
          "run %s attempt %d running on %s in %s",
          run.id(), run.attempt(), created.name(), created.zone());
      return placed;
    } catch (PlatformException e) {
      return provisioningFailed(run, zones, e);
    }
  }

  private Run provisioningFailed(Run run, List<String> zones, PlatformException e) {
    switch (e.kind()) {
      case ZONE_EXHAUSTED:
        // The adapter already tried every zone in order; each was out of capacity.
        return fail(
            run.id(),
            null,
            "no capacity for "
                + plan.machineType(run.spec())
                + " in "
                + zones
                + " ("
                + e.reason()
                + "): "
                + e.getMessage());
      case ALREADY_EXISTS:
        // A previous provision of this attempt created the VM and died before recording it.
        return runs.update(
                run.id(),
                r ->
                    r.state() == RunState.PROVISIONING && r.attempt() == run.attempt()
                        ? r.moveTo(RunState.RUNNING, clock.instant(), null).started(clock.instant())
                        : r)
            .orElseThrow();
      case TRANSIENT:
        // Leave it PROVISIONING: the reconciler retries it once it has settled.
        LOG.warnf(
            "run %s: creating its VM failed transiently (%s); the reconciler retries",
            run.id(), e.reason());
        return runs.update(
                run.id(),
                r ->
                    r.state() == RunState.PROVISIONING && r.attempt() == run.attempt()
                        ? r.moveTo(
                            RunState.RETRYING, clock.instant(), "VM creation failed: " + e.reason())
                        : r)
            .orElseThrow();
      default:
        return fail(
            run.id(),
            null,
            "VM creation failed ("
                + e.kind().name().toLowerCase(Locale.ROOT)
                + ", "
                + e.reason()
                + "): "
                + e.getMessage());
    }
  }

  /**
   * Applies the VM agent's completion report. Duplicates, reports of earlier attempts and reports
   * for ended runs change nothing; exactly one delivery marks the run and deletes its VM.
   *
   * @return the run after the event
   */
  public Optional<Run> complete(EventEnvelope<TrainingCompleted> envelope) {
    TrainingCompleted done = envelope.data();
    AtomicReference<Run> before = new AtomicReference<>();
    Optional<Run> after =
        runs.update(
            done.runId(),
            r -> {
              before.set(r);
              if (r.state().terminal()
                  || r.handled(envelope.id())
                  || done.attempt() < r.attempt()) {
                return r;
              }
              double cost = cost(r, done.resourceUse());
              Run reported =
                  r.completed(
                      envelope.id(),
                      done.exitCode(),
                      done.outputUri(),
                      done.resourceUse(),
                      r.costEstimateUsd() + cost,
                      done.startedAt());
              return done.succeeded() && done.outputUri() != null
                  ? reported.moveTo(RunState.SUCCEEDED, clock.instant(), null)
                  : reported.moveTo(RunState.FAILED, clock.instant(), failureReason(done));
            });
    if (after.isEmpty()) {
      LOG.warnf(
          "completion %s for unknown run %s: deleting its VM %s",
          envelope.id(), done.runId(), done.instance());
      deleteInstance(done.zone(), done.instance());
      return after;
    }
    Run run = after.get();
    boolean transitioned = before.get() != run;
    if (!transitioned) {
      if (done.attempt() < run.attempt() && !run.handled(envelope.id())) {
        // A late report of an earlier attempt: its VM is not the current one.
        deleteInstance(done.zone(), done.instance());
      }
      return after;
    }
    deleteInstance(done.zone(), done.instance());
    publishOutcome(run, done);
    if (run.state() == RunState.SUCCEEDED && !run.spec().next().isEmpty()) {
      startFollowUps(run);
    }
    return after;
  }

  private void publishOutcome(Run run, TrainingCompleted done) {
    if (run.state() == RunState.SUCCEEDED) {
      events.publish(
          new RunEvent.Succeeded(
              run.id(),
              run.owner(),
              run.attempt(),
              run.spec().name(),
              run.spec().image(),
              done.outputUri(),
              machine(run),
              run.resourceUse(),
              run.costEstimateUsd(),
              run.startedAt(),
              run.finishedAt(),
              run.spec().labels()));
    } else {
      events.publish(
          new RunEvent.Failed(run.id(), run.owner(), run.attempt(), done.exitCode(), run.reason()));
    }
  }

  /**
   * Cancels the run: its VM is deleted and the run ends CANCELLED.
   *
   * @return the run, unchanged when it had already ended
   */
  public Optional<Run> cancel(String runId, String cancelledBy) {
    AtomicReference<Run> before = new AtomicReference<>();
    Optional<Run> after =
        runs.update(
            runId,
            r -> {
              before.set(r);
              return r.state().terminal()
                  ? r
                  : r.moveTo(RunState.CANCELLED, clock.instant(), "cancelled by " + cancelledBy);
            });
    after
        .filter(r -> r != before.get())
        .ifPresent(
            r -> {
              if (r.instance() != null && r.zone() != null) {
                deleteInstance(r.zone(), r.instance());
              }
              events.publish(new RunEvent.Cancelled(r.id(), r.owner(), r.attempt(), cancelledBy));
              LOG.infof("run %s cancelled by %s", r.id(), cancelledBy);
            });
    return after;
  }

  /**
   * Ends the run as FAILED with {@code reason} unless it already ended.
   *
   * @param exitCode the container's exit code when known
   */
  public Run fail(String runId, Integer exitCode, String reason) {
    AtomicReference<Run> before = new AtomicReference<>();
    Run after =
        runs.update(
                runId,
                r -> {
                  before.set(r);
                  return r.state().terminal()
                      ? r
                      : r.moveTo(RunState.FAILED, clock.instant(), reason);
                })
            .orElseThrow(() -> new IllegalArgumentException("no run " + runId));
    if (after != before.get()) {
      if (after.instance() != null && after.zone() != null) {
        deleteInstance(after.zone(), after.instance());
      }
      events.publish(
          new RunEvent.Failed(after.id(), after.owner(), after.attempt(), exitCode, reason));
      LOG.infof("run %s failed: %s", runId, reason);
    }
    return after;
  }

  /**
   * The run's Spot VM was preempted (or vanished): retry per its policy, or fail. Only the caller
   * that moves the run out of RUNNING acts.
   */
  public Run preempted(String runId, String instance, String why) {
    AtomicReference<Run> before = new AtomicReference<>();
    Run after =
        runs.update(
                runId,
                r -> {
                  before.set(r);
                  boolean current = instance == null || instance.equals(r.instance());
                  if (!current
                      || (r.state() != RunState.RUNNING && r.state() != RunState.PROVISIONING)) {
                    return r;
                  }
                  Run p = r.moveTo(RunState.PREEMPTED, clock.instant(), why);
                  String policy = onPreemption(r);
                  if (policy.equals("fail") || r.attempt() >= maxAttempts) {
                    String reason =
                        policy.equals("fail")
                            ? why + "; the run's policy is not to retry"
                            : why + "; gave up after " + r.attempt() + " attempts";
                    return p.moveTo(RunState.FAILED, clock.instant(), reason);
                  }
                  boolean spot = policy.equals("retry");
                  return p.nextAttempt(spot)
                      .withDeadline(clock.instant().plus(plan.limit(r.spec())))
                      .moveTo(
                          RunState.RETRYING,
                          clock.instant(),
                          why + "; retrying " + (spot ? "on Spot" : "on demand"));
                })
            .orElseThrow(() -> new IllegalArgumentException("no run " + runId));
    Run was = before.get();
    if (after == was) {
      return after;
    }
    if (was.instance() != null && was.zone() != null) {
      deleteInstance(was.zone(), was.instance());
    }
    events.publish(
        new RunEvent.Preempted(
            was.id(), was.owner(), was.attempt(), was.instance(), String.valueOf(was.zone())));
    if (after.state() == RunState.FAILED) {
      events.publish(
          new RunEvent.Failed(after.id(), after.owner(), after.attempt(), null, after.reason()));
      return after;
    }
    events.publish(
        new RunEvent.Retrying(after.id(), after.owner(), after.attempt(), why, after.spot()));
    return provision(runId);
  }

  /** Deletes a VM; already gone is fine. Failures are logged: the reconciler tries again. */
  void deleteInstance(String zone, String name) {
    if (zone == null || name == null) {
      return;
    }
    try {
      instances.delete(zone, name);
    } catch (PlatformException e) {
      LOG.warnf(
          "deleting VM %s in %s failed (%s: %s); the reconciler will retry",
          name, zone, e.kind(), e.getMessage());
    }
  }

  private String onPreemption(Run run) {
    return run.spec().onPreemption() == null ? defaultOnPreemption : run.spec().onPreemption();
  }

  private Machine machine(Run run) {
    RunSpec s = run.spec();
    return new Machine(plan.machineType(s), s.acceleratorType(), s.acceleratorCount(), run.spot());
  }

  private double cost(Run run, ResourceUse use) {
    RunSpec s = run.spec();
    return CostEstimator.estimate(
        plan.machineType(s),
        s.acceleratorType(),
        s.acceleratorCount(),
        run.spot(),
        use.wallSeconds());
  }

  private static String failureReason(TrainingCompleted done) {
    if (done.reason() != null) {
      return done.reason();
    }
    if (done.exitCode() == 0) {
      return "the agent reported success but no output location";
    }
    return "container exited with status " + done.exitCode();
  }

  private String newRunId() {
    return ids.prefixed("run").toLowerCase(Locale.ROOT);
  }

  /** Runs started when {@code parent} succeeded, one per {@code next} template. */
  public List<Run> startFollowUps(Run parent) {
    List<Run> started = new ArrayList<>();
    List<RunSpec> next = parent.spec().next();
    for (int i = 0; i < next.size(); i++) {
      RunSpec template = next.get(i);
      List<String> inputs = new ArrayList<>();
      inputs.add(parent.artifactUri());
      inputs.addAll(template.inputs());
      RunSpec child =
          new RunSpec(
              template.name(),
              template.image(),
              template.command(),
              template.args(),
              template.env(),
              template.secrets(),
              template.machineType(),
              template.acceleratorType(),
              template.acceleratorCount(),
              template.spot(),
              template.onPreemption(),
              template.zones(),
              template.maxRunDurationSeconds(),
              inputs,
              template.outputUri(),
              template.labels(),
              template.next());
      started.add(submit(parent.owner(), child, parent.id() + "/next/" + i, parent.id()));
    }
    return started;
  }
}
