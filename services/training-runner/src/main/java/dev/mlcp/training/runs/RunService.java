package dev.mlcp.training.runs;

import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.events.EventEnvelope;
import dev.mlcp.events.Machine;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingCompleted;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.state.Change;
import dev.mlcp.state.OutboxRelay;
import dev.mlcp.training.inputs.InputResolver;
import dev.mlcp.training.inputs.ResolvedInput;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Orchestrates the run lifecycle over the ports: the rules of each transition are {@link Run}'s,
 * this class makes the compare-and-set write and, only when its write made the transition, the side
 * effects: publishing the transition's events (from the run's outbox), creating or deleting VMs,
 * submitting follow-ups. Duplicates and concurrent replicas therefore act once.
 */
public class RunService {
  private static final Logger LOG = Logger.getLogger(RunService.class);

  /** Where, under a run's output prefix, the agent writes its completion record per attempt. */
  static final String COMPLETION_RECORD = "_mlcp/attempt-%d/completion.json";

  private final RunRepository runs;
  private final Instances instances;
  private final InstancePlan plan;
  private final OutboxRelay<Run> relay;
  private final ObjectStore objects;
  private final CloudEventCodec codec;
  private final IdGenerator ids;
  private final Clock clock;
  private final int maxAttempts;
  private final PreemptionPolicy defaultOnPreemption;
  private final SubmitPolicy policy;
  private final InputResolver inputs;

  public RunService(
      RunRepository runs,
      Instances instances,
      InstancePlan plan,
      OutboxRelay<Run> relay,
      ObjectStore objects,
      CloudEventCodec codec,
      IdGenerator ids,
      Clock clock,
      int maxAttempts,
      PreemptionPolicy defaultOnPreemption,
      SubmitPolicy policy) {
    this(
        runs,
        instances,
        plan,
        relay,
        objects,
        codec,
        ids,
        clock,
        maxAttempts,
        defaultOnPreemption,
        policy,
        null);
  }

  /**
   * @param inputs resolves the inputs of each new run into the plan its VM executes; null: inputs
   *     only reach the container as {@code MLCP_INPUTS} and nothing is materialized
   */
  public RunService(
      RunRepository runs,
      Instances instances,
      InstancePlan plan,
      OutboxRelay<Run> relay,
      ObjectStore objects,
      CloudEventCodec codec,
      IdGenerator ids,
      Clock clock,
      int maxAttempts,
      PreemptionPolicy defaultOnPreemption,
      SubmitPolicy policy,
      InputResolver inputs) {
    this.runs = runs;
    this.instances = instances;
    this.plan = plan;
    this.relay = relay;
    this.objects = objects;
    this.codec = codec;
    this.ids = ids;
    this.clock = clock;
    this.maxAttempts = maxAttempts;
    this.defaultOnPreemption = defaultOnPreemption;
    this.policy = policy;
    this.inputs = inputs;
  }

  /**
   * A request for a run.
   *
   * @param owner email the run belongs to (lower-cased here)
   * @param origin how it was requested
   * @param spec what to run; checked against {@link RunSpecRules}
   * @param requestKey idempotency key, null for none
   * @param parentRunId the run whose success started this one, null for none
   */
  public record Submission(
      String owner, RunOrigin origin, RunSpec spec, String requestKey, String parentRunId) {
    public Submission {
      owner = owner == null ? null : owner.trim().toLowerCase(Locale.ROOT);
    }
  }

  /** Submits a run requested through the REST API by {@code owner}. */
  public Run submit(String owner, RunSpec spec, String requestKey, String parentRunId) {
    return submit(new Submission(owner, RunOrigin.api(owner), spec, requestKey, parentRunId));
  }

  /**
   * Accepts a run and provisions its VM. The same {@code requestKey} from the same owner always
   * yields the same run (the first one), whatever happened to it since; the same key with a
   * different request is refused.
   *
   * @throws InvalidRunSpecException naming every invalid field
   * @throws IdempotencyKeyReusedException when the key was used for a different request
   * @throws SecretNotUsableException for a secret the owner may not read
   * @throws OwnerLimitExceededException when the owner's share would be exceeded
   * @throws dev.mlcp.training.inputs.InputRejectedException for an input that cannot be used
   */
  public Run submit(Submission request) {
    RunSpecRules.require(request.spec(), "spec");
    String hash = RunRepository.sha256(String.valueOf(request.spec()));
    if (request.requestKey() != null) {
      Optional<Run> earlier =
          runs.boundRun(request.owner(), request.requestKey()).flatMap(runs::find);
      if (earlier.isPresent()) {
        return sameRequest(earlier.get(), request, hash);
      }
    }
    policy.check(request.owner(), request.spec());
    String id = newRunId();
    if (request.requestKey() != null) {
      String bound = runs.bindKey(request.owner(), request.requestKey(), id);
      if (!bound.equals(id)) {
        Optional<Run> existing = runs.find(bound);
        if (existing.isPresent()) {
          return sameRequest(existing.get(), request, hash);
        }
        // The key was bound by a submit that died before storing its run: finish its work.
        id = bound;
      }
    }
    // Inputs are resolved on the owner's behalf before anything is stored: a refusal is the
    // caller's 4xx, and the VM only executes this plan.
    List<ResolvedInput> inputPlan =
        inputs == null
            ? List.of()
            : inputs.resolve(request.owner(), request.spec(), plan.outputUri(id, request.spec()));
    Instant now = clock.instant();
    Run queued =
        Run.queued(
                id,
                request.owner(),
                request.origin(),
                request.spec(),
                plan.outputUri(id, request.spec()),
                now,
                now.plus(plan.limit(request.spec())),
                request.requestKey(),
                hash,
                request.parentRunId())
            .withInputPlan(inputPlan);
    try {
      runs.create(queued);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
      return runs.find(id).orElseThrow(() -> e);
    }
    LOG.infof(
        "run %s queued for %s via %s (image %s)",
        id, request.owner(), request.origin().via().wireName(), request.spec().image());
    return provision(id);
  }

  private static Run sameRequest(Run existing, Submission request, String hash) {
    if (existing.requestHash() != null && !existing.requestHash().equals(hash)) {
      throw new IdempotencyKeyReusedException(request.requestKey(), existing.id());
    }
    return existing;
  }

  /**
   * Creates the VM of the run's current attempt if the run is QUEUED or RETRYING. Safe to call
   * again for the same run: only one caller wins the move to PROVISIONING.
   */
  public Run provision(String runId) {
    Change<Run> claim = transition(runId, r -> r.claim(clock.instant()));
    return claim.changed() ? createInstance(claim.after()) : claim.after();
  }

  /**
   * The reconciler found a PROVISIONING run without its VM (the create failed transiently, or the
   * service died mid-way): try the create again; a VM that exists after all is adopted.
   */
  public Run resumeProvisioning(Run run) {
    if (run.state() != RunState.PROVISIONING) {
      return run;
    }
    return createInstance(run);
  }

  /** The reconciler found the VM of a PROVISIONING run: the run is RUNNING. */
  public Run adopt(Run run, Instance vm) {
    return place(run, vm.zone());
  }

  private Run createInstance(Run run) {
    List<String> zones = plan.zones(run);
    try {
      Instance created = instances.create(plan.instanceFor(run, zones));
      return place(run, created.zone());
    } catch (PlatformException e) {
      return provisioningFailed(run, zones, e);
    }
  }

  private Run place(Run run, String zone) {
    Change<Run> placed =
        transition(run.id(), r -> r.placed(run.attempt(), zone, machine(r), clock.instant()));
    Run after = placed.after();
    if (placed.changed()) {
      relay.drain(run.id());
      LOG.infof(
          "run %s attempt %d running on %s in %s", run.id(), run.attempt(), after.instance(), zone);
    } else if (after.state().terminal() || after.attempt() != run.attempt()) {
      // Cancelled (or moved on) while the VM was being created: it must not outlive the run.
      deleteQuietly(zone, run.instance());
    }
    return after;
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
        // A previous create of this attempt made the VM and died before recording it.
        for (String zone : zones) {
          Optional<Instance> vm = instances.get(zone, run.instance());
          if (vm.isPresent()) {
            return place(run, vm.get().zone());
          }
        }
        return run;
      case TRANSIENT:
        // The VM may or may not exist (a timeout after the insert): stay PROVISIONING, so a VM
        // that does exist is adopted by the reconciler, and one that does not is created again.
        LOG.warnf(
            "run %s: creating its VM failed transiently (%s); the reconciler looks again",
            run.id(), e.reason());
        return runs.find(run.id()).orElse(run);
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
   * Applies a VM agent's completion report. Only what training-runner cannot derive is taken from
   * it: the exit code, reason and resource use of the run's current attempt, when the report names
   * that attempt's own instance. Duplicates, late reports and reports that do not match change
   * nothing. The transition's event is published before the VM's deletion is requested, and the
   * deletion is not awaited.
   *
   * @return the run after the report, empty for an unknown run
   */
  public Optional<Run> complete(EventEnvelope<TrainingCompleted> envelope) {
    TrainingCompleted done = envelope.data();
    CompletionReport report = CompletionReport.of(envelope.id(), done);
    Optional<Change<Run>> change =
        runs.update(
            done.runId(),
            r -> r.complete(report, cost(r, report.resourceUse()), machine(r), clock.instant()));
    if (change.isEmpty()) {
      LOG.warnf(
          "completion %s names unknown run %s; its VM %s is deleted only if labelled for it",
          envelope.id(), done.runId(), done.instance());
      deleteIfLabelledFor(done.runId(), done.zone(), done.instance(), null);
      return Optional.empty();
    }
    Run before = change.get().before();
    Run run = change.get().after();
    if (!change.get().changed()) {
      Run.Verdict verdict = before.judge(report);
      switch (verdict) {
        case EARLIER_ATTEMPT, ENDED ->
            deleteIfLabelledFor(run.id(), done.zone(), done.instance(), currentVm(run));
        case MISMATCH ->
            LOG.warnf(
                "completion %s for run %s names attempt %d on %s, but the run is at attempt %d on"
                    + " %s: not believed; the reconciler deals with stray VMs",
                envelope.id(),
                run.id(),
                done.attempt(),
                done.instance(),
                run.attempt(),
                run.instance());
        default -> {}
      }
      return Optional.of(run);
    }
    relay.drain(run.id());
    deleteQuietly(run.zone(), run.instance());
    LOG.infof("run %s %s (attempt %d)", run.id(), run.state(), run.attempt());
    if (run.followUpsPending()) {
      startFollowUps(run);
    }
    return runs.find(run.id());
  }

  /**
   * The durable second channel of a completion: the agent writes its event into the run's staging
   * prefix before publishing. When the reconciler finds a run whose VM is gone, the record (if the
   * agent got to write it) completes the run as the lost event would have.
   *
   * @return the run after applying the record, empty when there is no record
   */
  public Optional<Run> completeFromRecord(Run run) {
    if (run.outputUri() == null || run.state().terminal()) {
      return Optional.empty();
    }
    ObjectUri record;
    try {
      record =
          ObjectUri.parse(run.outputUri())
              .resolve(String.format(Locale.ROOT, COMPLETION_RECORD, run.attempt()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    byte[] document;
    try (ObjectRead read = objects.read(record)) {
      document = read.stream().readNBytes(64 * 1024);
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      LOG.warnf("run %s: completion record %s unreadable: %s", run.id(), record, e.toString());
      return Optional.empty();
    }
    EventEnvelope<MlcpEvent> envelope;
    try {
      envelope = codec.decodeStructured(document);
    } catch (RuntimeException e) {
      LOG.warnf("run %s: completion record %s is invalid: %s", run.id(), record, e.getMessage());
      return Optional.empty();
    }
    if (!(envelope.data() instanceof TrainingCompleted done) || !done.runId().equals(run.id())) {
      LOG.warnf("run %s: completion record %s is not this run's completion", run.id(), record);
      return Optional.empty();
    }
    LOG.infof("run %s: completed from its completion record (the event was lost)", run.id());
    return complete(
        new EventEnvelope<>(envelope.id(), envelope.source(), envelope.time(), run.id(), done));
  }

  /**
   * Cancels the run: its VM is deleted and it ends CANCELLED.
   *
   * @return the run, unchanged when it had already ended; empty when there is no such run
   */
  public Optional<Run> cancel(String runId, String cancelledBy) {
    Optional<Change<Run>> change = runs.update(runId, r -> r.cancel(cancelledBy, clock.instant()));
    change
        .filter(Change::changed)
        .map(Change::after)
        .ifPresent(
            r -> {
              relay.drain(r.id());
              deleteQuietly(r.zone(), r.instance());
              LOG.infof("run %s cancelled by %s", r.id(), cancelledBy);
            });
    return change.map(Change::after);
  }

  /**
   * Ends the run as FAILED with {@code reason} unless it already ended.
   *
   * @param exitCode the container's exit code when known
   */
  public Run fail(String runId, Integer exitCode, String reason) {
    Change<Run> change = transition(runId, r -> r.fail(exitCode, reason, clock.instant()));
    if (change.changed()) {
      relay.drain(runId);
      deleteQuietly(change.after().zone(), change.after().instance());
      LOG.infof("run %s failed: %s", runId, reason);
    }
    return change.after();
  }

  /**
   * The run's Spot VM was preempted (or vanished): retry per its policy, or fail. Only the caller
   * that moves the run out of RUNNING acts.
   */
  public Run preempted(String runId, String instance, String why) {
    Change<Run> change =
        transition(
            runId,
            r ->
                r.preempt(
                    instance,
                    why,
                    PreemptionPolicy.parse(r.spec().onPreemption(), defaultOnPreemption),
                    maxAttempts,
                    clock.instant().plus(plan.limit(r.spec())),
                    clock.instant()));
    if (!change.changed()) {
      return change.after();
    }
    Run was = change.before();
    relay.drain(runId);
    deleteQuietly(was.zone(), was.instance());
    return change.after().state() == RunState.RETRYING ? provision(runId) : change.after();
  }

  /** Submits the follow-up runs of a succeeded run (idempotently), then marks them started. */
  public List<Run> startFollowUps(Run parent) {
    List<Run> started = new ArrayList<>();
    List<RunSpec> next = parent.spec().next();
    for (int i = 0; i < next.size(); i++) {
      RunSpec template = next.get(i);
      List<String> inputs = new ArrayList<>();
      inputs.add(parent.artifactUri());
      inputs.addAll(template.inputs());
      started.add(
          submit(
              new Submission(
                  parent.owner(),
                  RunOrigin.followUp(parent.id()),
                  template.withInputs(inputs),
                  parent.id() + "/next/" + i,
                  parent.id())));
    }
    runs.update(parent.id(), Run::followUpsStarted);
    return started;
  }

  /** Publishes a run's pending events now (after a transition made elsewhere). */
  public void drain(String runId) {
    relay.drain(runId);
  }

  /** Requests the VM's deletion without waiting for it; already gone is fine. */
  void deleteQuietly(String zone, String name) {
    if (zone == null || name == null) {
      return;
    }
    try {
      instances.requestDelete(zone, name);
    } catch (PlatformException e) {
      LOG.warnf(
          "deleting VM %s in %s failed (%s: %s); the reconciler will retry",
          name, zone, e.kind(), e.getMessage());
    }
  }

  /**
   * Deletes the VM a report names only when it carries {@code mlcp-run=<runId>} and is not {@code
   * keep} (the run's current VM): a forged report cannot delete a serving or notebook VM.
   */
  private void deleteIfLabelledFor(String runId, String zone, String name, String keep) {
    if (zone == null || name == null || name.equals(keep)) {
      return;
    }
    try {
      Optional<Instance> vm = instances.get(zone, name);
      if (vm.isEmpty()) {
        return;
      }
      if (runId.equals(vm.get().labels().get(InstancePlan.RUN_LABEL))) {
        deleteQuietly(zone, name);
      } else {
        LOG.warnf(
            "a completion for run %s names VM %s, which is not labelled for it: left alone",
            runId, name);
      }
    } catch (PlatformException e) {
      LOG.warnf("cannot check VM %s for run %s (%s); the reconciler looks", name, runId, e.kind());
    }
  }

  private static String currentVm(Run run) {
    return run.state().terminal() ? null : run.instance();
  }

  private Change<Run> transition(String runId, UnaryOperator<Run> change) {
    return runs.update(runId, change)
        .orElseThrow(() -> new IllegalArgumentException("no run " + runId));
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
        use == null ? 0 : use.wallSeconds());
  }

  private String newRunId() {
    return ids.prefixed("run").toLowerCase(Locale.ROOT);
  }
}
