package dev.mlcp.registry.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.RunEvent;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.state.Change;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Turns a successful run's staged outputs into an immutable, checksummed model version, or says why
 * not ({@code model.rejected}): never silence. Each step is a transition of the run's {@link
 * Registration} made under its lease, and each step's writes are idempotent (conditional creates,
 * rows with insert ids), so a worker that dies is resumed from the step it reached: by the same
 * event redelivered, or by the reconciler. Staging is deleted only after the version and its rows
 * are durable: the rows are pending on the registration (what they hold is this event and the
 * version's immutable files) and the {@link RowFlusher} writes them in batches, so the warehouse is
 * never on the registration's path.
 */
public final class RegistrationService {
  private static final Logger LOG = Logger.getLogger(RegistrationService.class);

  /** The rejection of a run not requested by an identity allowed to publish models. */
  public static final String AD_HOC =
      "ad-hoc run: not registrable; trigger training through Cloud Build";

  /** Where the VM agent keeps its own records in a run's staging prefix: never model files. */
  static final String AGENT_RECORDS = "_mlcp/";

  private final RegistryRepository repo;
  private final ObjectStore store;
  private final Copier copier;
  private final Publishers publishers;
  private final RowFlusher rows;
  private final GateService gate;
  private final EvaluationService evaluations;
  private final Relays relays;
  private final RegistrySettings settings;
  private final ObjectMapper manifestJson;
  private final IdGenerator ids;
  private final Clock clock;

  public RegistrationService(
      RegistryRepository repo,
      ObjectStore store,
      Copier copier,
      Publishers publishers,
      RowFlusher rows,
      GateService gate,
      EvaluationService evaluations,
      Relays relays,
      RegistrySettings settings,
      ObjectMapper json,
      IdGenerator ids,
      Clock clock) {
    this.repo = repo;
    this.store = store;
    this.copier = copier;
    this.publishers = publishers;
    this.rows = rows;
    this.gate = gate;
    this.evaluations = evaluations;
    this.relays = relays;
    this.settings = settings;
    this.manifestJson = Manifests.mapper(json);
    this.ids = ids;
    this.clock = clock;
  }

  /**
   * A run succeeded: an evaluation run lands as its evaluation; any other run's outputs are
   * registered (or rejected with the reason).
   *
   * @return the registration; empty for an evaluation run
   */
  public Optional<Registration> onSucceeded(RunEvent.Succeeded run) {
    if (evaluations.isEvaluationRun(run)) {
      evaluations.land(run);
      return Optional.empty();
    }
    Registration received =
        repo.registrations()
            .find(run.runId())
            .orElseGet(
                () ->
                    RegistryRepository.createOrFind(
                        repo.registrations(), Registration.received(run, clock.instant())));
    return Optional.of(process(received.id()));
  }

  /**
   * Takes the registration's lease and works it to its end. Returns at once (with the registration
   * as it is) when another worker holds the lease or it has ended.
   */
  public Registration process(String runId) {
    String holder = ids.prefixed("lease");
    Registration r =
        RegistryRepository.update(
                repo.registrations(),
                runId,
                x -> x.lease(holder, clock.instant().plus(settings.lease()), clock.instant()))
            .after();
    if (!r.holds(holder, clock.instant())) {
      return r;
    }
    try {
      while (!r.state().terminal()) {
        r =
            switch (r.state()) {
              case RECEIVED -> admit(r, holder);
              case CLAIMED -> copy(r, holder);
              case COPIED -> record(r, holder);
              case RECORDED -> finish(r, holder);
              default -> throw new IllegalStateException("unexpected state " + r.state());
            };
      }
      return r;
    } catch (LeaseLost e) {
      LOG.infof("registration of %s: another worker took over", runId);
      return repo.registrations().find(runId).orElseThrow();
    } finally {
      try {
        repo.registrations().update(runId, x -> x.release(holder));
      } catch (RuntimeException e) {
        LOG.warnf("registration of %s: lease not released (%s); it expires", runId, e.toString());
      }
    }
  }

  // ---- RECEIVED: is it registrable, and which version number is it? ------------------------

  private Registration admit(Registration r, String holder) {
    RunEvent.Succeeded run = r.run();
    Optional<String> refusal =
        publishers.refusal(
            run.provenance(),
            parent -> repo.registrations().find(parent).map(p -> p.run().provenance()));
    if (refusal.isPresent()) {
      return reject(r, holder, AD_HOC, List.of(refusal.get()));
    }
    ObjectUri staging = settings.stagingOf(run.runId());
    if (!staging.toString().equals(run.artifactUri())) {
      return reject(
          r,
          holder,
          "the run's outputs are at " + run.artifactUri() + ", outside the staging area",
          List.of("registrable outputs are staged at " + staging));
    }
    if (!Names.isName(r.model())) {
      return reject(
          r,
          holder,
          "'" + r.model() + "' cannot name a model",
          List.of("a model name is " + Names.rule()));
    }
    Model model =
        RegistryRepository.createOrFind(
            repo.models(), Model.create(r.model(), r.owner(), clock.instant()));
    if (!model.owner().equals(r.owner())) {
      return reject(
          r,
          holder,
          "model '" + r.model() + "' belongs to " + model.owner(),
          List.of("a run owned by " + r.owner() + " cannot add versions to it"));
    }
    List<ObjectMetadata> files = staged(staging, settings.maxFiles() + 1);
    if (files.isEmpty()) {
      return reject(
          r,
          holder,
          "empty staging: the run wrote no outputs",
          List.of("nothing under " + staging + " (besides the agent's " + AGENT_RECORDS + ")"));
    }
    if (files.size() > settings.maxFiles()) {
      return reject(
          r,
          holder,
          "too many files: a version holds at most " + settings.maxFiles(),
          List.of("more than " + settings.maxFiles() + " files under " + staging));
    }
    if (files.stream().anyMatch(f -> relative(staging, f).equals(Manifest.NAME))) {
      return reject(
          r,
          holder,
          Manifest.NAME + " is reserved for the registry's manifest",
          List.of("rename the run's output " + Manifest.NAME));
    }
    Metrics metrics;
    try {
      metrics = readMetrics(staging.resolve("metrics.json"));
    } catch (Metrics.MalformedException e) {
      return reject(r, holder, "metrics.json is missing or malformed", List.of(e.getMessage()));
    }
    int n = claimVersion(r, holder, model);
    return step(r.id(), holder, x -> x.claimed(n, metrics.finals(), clock.instant()));
  }

  /**
   * Takes the next free version number: creates version document n ({@code ifGenerationMatch=0}),
   * moving on to n+1 when another run has it. Every worker on this registration starts from the
   * same number (fixed once in the registration), so they all settle on the same version.
   */
  private int claimVersion(Registration r, String holder, Model model) {
    int start =
        step(r.id(), holder, x -> x.startClaimAt(model.latestVersion() + 1), true).claiming();
    int n = start;
    while (true) {
      ModelVersion claim =
          ModelVersion.claimed(
              r.model(),
              n,
              r.id(),
              r.owner(),
              settings.versionPrefix(r.model(), n).toString(),
              clock.instant());
      ModelVersion stored = RegistryRepository.createOrFind(repo.versions(), claim);
      if (stored.runId().equals(r.id())) {
        break;
      }
      n++;
    }
    int claimed = n;
    repo.models().update(r.model(), m -> m.advanceTo(claimed, clock.instant()));
    LOG.infof("registration of %s: %s %s claimed", r.id(), r.model(), Names.versionName(claimed));
    return claimed;
  }

  private Metrics readMetrics(ObjectUri uri) throws Metrics.MalformedException {
    byte[] bytes;
    try (ObjectRead in = store.read(uri)) {
      if (in.metadata().size() > settings.maxMetricsBytes()) {
        throw new Metrics.MalformedException(
            "metrics.json is "
                + in.metadata().size()
                + " bytes; at most "
                + settings.maxMetricsBytes());
      }
      bytes = in.stream().readNBytes(settings.maxMetricsBytes() + 1);
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        throw new Metrics.MalformedException(
            "the run wrote no metrics.json: the registry needs it to judge the version");
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri, e);
    }
    if (bytes.length > settings.maxMetricsBytes()) {
      throw new Metrics.MalformedException(
          "metrics.json is larger than " + settings.maxMetricsBytes() + " bytes");
    }
    return Metrics.parse(bytes);
  }

  // ---- CLAIMED: copy every file, write the manifest ---------------------------------------

  private Registration copy(Registration r, String holder) {
    ObjectUri staging = settings.stagingOf(r.id());
    ObjectUri target = settings.versionPrefix(r.model(), r.version());
    ModelVersion version = repo.version(r.model(), r.version());
    List<Copier.Task> tasks = new ArrayList<>();
    for (ObjectMetadata f : staged(staging, settings.maxFiles() + 1)) {
      String path = relative(staging, f);
      tasks.add(new Copier.Task(f, target.resolve(path), path));
    }
    Instant[] renewAt = {clock.instant().plus(settings.lease().dividedBy(3))};
    Runnable renewLease =
        () -> {
          if (!clock.instant().isBefore(renewAt[0])) {
            step(
                r.id(),
                holder,
                x -> x.lease(holder, clock.instant().plus(settings.lease()), clock.instant()),
                true);
            renewAt[0] = clock.instant().plus(settings.lease().dividedBy(3));
          }
        };
    List<Manifest.File> files;
    try {
      files = copier.copyAll(tasks, renewLease);
    } catch (ChecksumMismatchException e) {
      return rejectVersion(r, holder, e);
    }
    long size = files.stream().mapToLong(Manifest.File::sizeBytes).sum();
    Manifest manifest = Manifests.of(r, version, files, size, copier.mode(), settings);
    byte[] bytes = Manifests.bytes(manifestJson, manifest);
    ObjectUri uri = target.resolve(Manifest.NAME);
    String sha256;
    try {
      store.write(uri, bytes, "application/json", WriteCondition.doesNotExist());
      sha256 = Digests.sha256(bytes);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT) {
        throw e;
      }
      // Written by an earlier attempt of this registration: the stored bytes are the identity.
      byte[] stored = readSmall(uri);
      sha256 = Digests.sha256(stored);
      manifest = Manifests.parse(manifestJson, stored);
    }
    String sha = sha256;
    long total = manifest.sizeBytes();
    int count = manifest.files().size();
    LOG.infof(
        "registration of %s: %s %s copied (%d files, %d bytes, %s), manifest sha256 %s",
        r.id(), r.model(), version.name(), count, total, copier.mode().wireName(), sha);
    return step(r.id(), holder, x -> x.copied(sha, total, count, clock.instant()));
  }

  private Registration rejectVersion(Registration r, String holder, ChecksumMismatchException e) {
    String why = "checksum mismatch: " + e.path();
    List<String> checks = List.of(e.getMessage());
    String id = ModelVersion.idOf(r.model(), r.version());
    repo.versions().update(id, v -> v.reject(why, clock.instant()));
    Registration rejected = step(r.id(), holder, x -> x.reject(why, checks, clock.instant()));
    relays.registrations().drain(r.id());
    // The number stays taken with the reason; the partial copy is removed (nothing depends on it).
    ObjectUri prefix = settings.versionPrefix(r.model(), r.version());
    store.listAll(prefix).forEach(m -> store.delete(m.uri()));
    LOG.warnf("registration of %s rejected: %s", r.id(), e.getMessage());
    return rejected;
  }

  // ---- COPIED: the version is registered, its rows pending (written off this path) --------

  private Registration record(Registration r, String holder) {
    String id = ModelVersion.idOf(r.model(), r.version());
    Instant now = clock.instant();
    ModelVersion v =
        RegistryRepository.update(
                repo.versions(),
                id,
                x -> x.register(r.manifestSha256(), r.sizeBytes(), r.fileCount(), r.metrics(), now))
            .after();
    relays.versions().drain(id);
    LOG.infof(
        "%s %s registered from %s (sha256 %s)", r.model(), v.name(), r.id(), v.manifestSha256());
    Registration recorded = step(r.id(), holder, x -> x.recorded(clock.instant()));
    rows.flushSoon();
    return recorded;
  }

  // ---- RECORDED: the gate, then staging goes ------------------------------------------------

  private Registration finish(Registration r, String holder) {
    evaluations.requestRequired(r.model(), r.version());
    gate.run(r.model(), r.version(), "registration");
    ObjectUri staging = settings.stagingOf(r.id());
    int deleted = copier.deleteAll(store.listAll(staging).map(ObjectMetadata::uri).toList());
    LOG.infof("registration of %s done: %d staged objects deleted", r.id(), deleted);
    return step(r.id(), holder, x -> x.done(clock.instant()));
  }

  // ---- helpers ----------------------------------------------------------------------------

  private Registration reject(Registration r, String holder, String why, List<String> checks) {
    Registration rejected = step(r.id(), holder, x -> x.reject(why, checks, clock.instant()));
    relays.registrations().drain(r.id());
    LOG.infof("registration of %s rejected: %s %s", r.id(), why, checks);
    return rejected;
  }

  /** The staged files (without the agent's records), in name order, at most {@code limit}. */
  private List<ObjectMetadata> staged(ObjectUri staging, int limit) {
    return store
        .listAll(staging)
        .filter(m -> !relative(staging, m).startsWith(AGENT_RECORDS))
        .limit(limit)
        .toList();
  }

  private static String relative(ObjectUri prefix, ObjectMetadata m) {
    return m.uri().name().substring(prefix.name().length());
  }

  private byte[] readSmall(ObjectUri uri) {
    try (ObjectRead in = store.read(uri)) {
      return in.stream().readNBytes(64 * 1024 * 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri, e);
    }
  }

  /** The lease was taken over by another worker: stop, it carries on. */
  private static final class LeaseLost extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private Registration step(String id, String holder, UnaryOperator<Registration> change) {
    return step(id, holder, change, false);
  }

  /**
   * Applies {@code change} if {@code holder} still holds the lease.
   *
   * @param mayBeNoop whether the change may legitimately write nothing
   * @throws LeaseLost when the lease is gone (or the change did not apply)
   */
  private Registration step(
      String id, String holder, UnaryOperator<Registration> change, boolean mayBeNoop) {
    Instant now = clock.instant();
    Change<Registration> c =
        RegistryRepository.update(
            repo.registrations(), id, x -> x.holds(holder, now) ? change.apply(x) : x);
    if (!c.after().holds(holder, now) && !c.after().state().terminal()) {
      throw new LeaseLost();
    }
    if (!c.changed() && !mayBeNoop) {
      throw new LeaseLost();
    }
    return c.after();
  }
}
