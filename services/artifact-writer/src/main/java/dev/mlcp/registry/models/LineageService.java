package dev.mlcp.registry.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a version came from: its run (how and by whom it was requested), the run's inputs (other
 * versions of this registry named as such), its image, the chain of parent runs, and what happened
 * to it since: evaluations and deployments (serving-deployer's rollouts of it).
 */
public final class LineageService {
  /** How far up a chain of follow-up runs lineage goes. */
  static final int MAX_PARENTS = 10;

  private final RegistryRepository repo;
  private final ObjectStore store;
  private final EvaluationService evaluations;
  private final DeploymentRecorder deployments;
  private final ObjectMapper manifestJson;

  public LineageService(
      RegistryRepository repo,
      ObjectStore store,
      EvaluationService evaluations,
      DeploymentRecorder deployments,
      ObjectMapper json) {
    this.repo = repo;
    this.store = store;
    this.evaluations = evaluations;
    this.deployments = deployments;
    this.manifestJson = Manifests.mapper(json);
  }

  /**
   * A version's lineage.
   *
   * @param model the model
   * @param version {@code v<n>}
   * @param manifestSha256 the version's identity
   * @param run the run that produced it
   * @param image the image it ran
   * @param inputs what it read
   * @param parents the chain of runs whose success started it, nearest first
   * @param evaluations evaluations of the version
   * @param deployments serving-deployer's rollouts of the version, newest first
   */
  public record Lineage(
      String model,
      String version,
      String manifestSha256,
      Manifest.RunRecord run,
      Image image,
      List<Manifest.Input> inputs,
      List<Parent> parents,
      List<EvaluationRef> evaluations,
      List<DeploymentRef> deployments) {}

  /**
   * The image.
   *
   * @param reference as requested
   * @param digest the pinned digest, null when it was requested by tag
   */
  public record Image(String reference, String digest) {}

  /**
   * One parent run.
   *
   * @param runId the run
   * @param known whether the registry has seen it succeed
   * @param name its name
   * @param model the model it registered into, if it did
   * @param version the version it became, if it did
   * @param requestedVia how it was requested
   * @param requestedBy by whom
   */
  public record Parent(
      String runId,
      boolean known,
      String name,
      String model,
      String version,
      String requestedVia,
      String requestedBy) {}

  /**
   * An evaluation of the version.
   *
   * @param id the evaluation
   * @param evaluator its evaluator
   * @param state its state
   * @param runId its run
   */
  public record EvaluationRef(String id, String evaluator, String state, String runId) {}

  /**
   * A rollout of the version.
   *
   * @param deploymentId serving-deployer's rollout id
   * @param service the serving service
   * @param revision the revision it created
   * @param target where it serves
   * @param state {@code STARTED}, {@code PROGRESSING}, {@code SUCCEEDED}, {@code FAILED} or {@code
   *     ROLLED_BACK}
   * @param trafficPercent the revision's traffic share (0 once rolled back)
   * @param url where it serves, once it succeeded
   * @param reason why it failed or was rolled back
   * @param rolledBackTo the revision traffic went back to
   * @param startedAt when the rollout started
   * @param finishedAt when it ended
   */
  public record DeploymentRef(
      String deploymentId,
      String service,
      String revision,
      String target,
      String state,
      int trafficPercent,
      String url,
      String reason,
      String rolledBackTo,
      Instant startedAt,
      Instant finishedAt) {
    static DeploymentRef of(Deployment d) {
      return new DeploymentRef(
          d.deploymentId(),
          d.service(),
          d.revision(),
          d.target(),
          d.state().name(),
          d.trafficPercent(),
          d.url(),
          d.reason(),
          d.rolledBackTo(),
          d.startedAt(),
          d.finishedAt());
    }
  }

  /** The lineage of version {@code n} of {@code model}. */
  public Lineage of(String model, int n) {
    ModelVersion v = repo.registered(model, n);
    Manifest manifest;
    try (ObjectRead in = store.read(ObjectUri.parse(v.uri()).resolve(Manifest.NAME))) {
      manifest = Manifests.parse(manifestJson, in.stream().readNBytes(Verifier.MAX_MANIFEST_BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Parent> parents = new ArrayList<>();
    String parentId = manifest.run().parentRunId();
    while (parentId != null && parents.size() < MAX_PARENTS) {
      Optional<Registration> reg = repo.registrations().find(parentId);
      if (reg.isEmpty()) {
        parents.add(new Parent(parentId, false, null, null, null, null, null));
        break;
      }
      Registration r = reg.get();
      RunProvenance p = r.run().provenance();
      boolean versioned = r.version() > 0 && r.state() != Registration.RegistrationState.REJECTED;
      parents.add(
          new Parent(
              parentId,
              true,
              r.run().name(),
              versioned ? r.model() : null,
              versioned ? Names.versionName(r.version()) : null,
              p == null ? null : p.requestedVia(),
              p == null ? null : p.requestedBy()));
      parentId = p == null ? null : p.parentRunId();
    }
    List<EvaluationRef> evals =
        evaluations.of(model, n).stream()
            .map(e -> new EvaluationRef(e.id(), e.evaluator().name(), e.state().name(), e.runId()))
            .toList();
    return new Lineage(
        model,
        v.name(),
        v.manifestSha256(),
        manifest.run(),
        new Image(manifest.run().image(), manifest.run().imageDigest()),
        manifest.inputs(),
        parents,
        evals,
        deployments.of(model, n).stream().map(DeploymentRef::of).toList());
  }
}
