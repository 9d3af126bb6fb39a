package dev.mlcp.registry.models;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.mlcp.events.MlcpEvent;
import dev.mlcp.events.ModelEvent;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One version of a model. Its creation (with {@code ifGenerationMatch=0}) is what allocates the
 * number: of two registrations trying number n, one creates the document and the other moves on, so
 * numbers have neither gaps nor duplicates. It is CLAIMED while its files are copied, then
 * REGISTERED (immutable files, manifest written) or REJECTED (a checksum mismatch while copying:
 * the number stays taken, with the reason).
 *
 * @param id {@code <model>.<n>}
 * @param model the model's name
 * @param number the version number, from 1
 * @param runId the run whose outputs it holds
 * @param owner the model's owner
 * @param state where it is
 * @param uri its registry prefix, {@code gs://…/models/<model>/versions/<n>/}
 * @param manifestSha256 SHA-256 of {@code <uri>manifest.json}: the version's identity
 * @param sizeBytes total size of its files
 * @param fileCount how many files
 * @param metrics the run's {@code metrics.json} (last value of each metric)
 * @param createdAt when the number was claimed (also the manifest's creation time)
 * @param registeredAt when it became REGISTERED
 * @param reason why it was rejected
 * @param gate the gate's latest decision; null before the gate ran
 * @param gateHistory earlier decisions, oldest first (bounded)
 * @param outbox events not yet published
 */
public record ModelVersion(
    String id,
    String model,
    int number,
    String runId,
    String owner,
    VersionState state,
    String uri,
    String manifestSha256,
    long sizeBytes,
    int fileCount,
    Map<String, Double> metrics,
    Instant createdAt,
    Instant registeredAt,
    String reason,
    GateDecision gate,
    List<GateDecision> gateHistory,
    Outbox outbox)
    implements Document<ModelVersion> {

  /** Decisions kept per version; more come only from repeated evaluations. */
  static final int GATE_HISTORY_KEPT = 20;

  public ModelVersion {
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    gateHistory = gateHistory == null ? List.of() : List.copyOf(gateHistory);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /** A version's states. */
  public enum VersionState {
    /** The number is taken by a registration that is copying the files. */
    CLAIMED,
    /** Files and manifest are stored and immutable. */
    REGISTERED,
    /** The copy failed verification; the number stays taken. */
    REJECTED
  }

  /** The document id of version {@code n} of {@code model}. */
  public static String idOf(String model, int n) {
    return model + "." + n;
  }

  /** Number {@code n} of {@code model}, claimed by {@code runId}. */
  public static ModelVersion claimed(
      String model, int n, String runId, String owner, String uri, Instant now) {
    return new ModelVersion(
        idOf(model, n),
        model,
        n,
        runId,
        owner,
        VersionState.CLAIMED,
        uri,
        null,
        0,
        0,
        Map.of(),
        now,
        null,
        null,
        null,
        List.of(),
        Outbox.empty());
  }

  /** {@code v<n>}. */
  @JsonIgnore
  public String name() {
    return Names.versionName(number);
  }

  @Override
  public ModelVersion withOutbox(Outbox next) {
    return new ModelVersion(
        id,
        model,
        number,
        runId,
        owner,
        state,
        uri,
        manifestSha256,
        sizeBytes,
        fileCount,
        metrics,
        createdAt,
        registeredAt,
        reason,
        gate,
        gateHistory,
        next);
  }

  /** CLAIMED → REGISTERED: the files and the manifest are stored; emits {@code registered}. */
  public ModelVersion register(
      String sha256, long size, int files, Map<String, Double> finalMetrics, Instant now) {
    if (state != VersionState.CLAIMED) {
      return this;
    }
    ModelVersion registered =
        new ModelVersion(
            id,
            model,
            number,
            runId,
            owner,
            VersionState.REGISTERED,
            uri,
            sha256,
            size,
            files,
            finalMetrics,
            createdAt,
            now,
            null,
            gate,
            gateHistory,
            outbox);
    return registered.emit(
        new ModelEvent.Registered(
            model, name(), runId, uri, sha256, size, registered.metrics(), owner),
        now);
  }

  /**
   * CLAIMED → REJECTED: the copy failed. The registration that claimed the number emits the {@code
   * rejected} event naming it, so this transition emits none.
   */
  public ModelVersion reject(String why, Instant now) {
    if (state != VersionState.CLAIMED) {
      return this;
    }
    return new ModelVersion(
        id,
        model,
        number,
        runId,
        owner,
        VersionState.REJECTED,
        uri,
        null,
        0,
        0,
        metrics,
        createdAt,
        null,
        why,
        gate,
        gateHistory,
        outbox);
  }

  /**
   * Records the gate's decision; a FAILED one emits {@code rejected} with every failed check. The
   * same decision again changes nothing (a re-run after an unrelated evaluation).
   */
  public ModelVersion decide(GateDecision decision) {
    if (state != VersionState.REGISTERED || decision.sameAs(gate)) {
      return this;
    }
    List<GateDecision> history = new ArrayList<>(gateHistory);
    if (gate != null) {
      history.add(gate);
    }
    if (history.size() > GATE_HISTORY_KEPT) {
      history = history.subList(history.size() - GATE_HISTORY_KEPT, history.size());
    }
    ModelVersion decided =
        new ModelVersion(
            id,
            model,
            number,
            runId,
            owner,
            state,
            uri,
            manifestSha256,
            sizeBytes,
            fileCount,
            metrics,
            createdAt,
            registeredAt,
            reason,
            decision,
            history,
            outbox);
    if (decision.outcome() == GateDecision.Outcome.FAILED) {
      return decided.emit(
          new ModelEvent.Rejected(
              model,
              name(),
              "the validation gate failed (" + decision.trigger() + ")",
              decision.failedChecks(),
              runId),
          decision.at());
    }
    return decided;
  }

  /** Whether the gate's latest decision passed this version. */
  @JsonIgnore
  public boolean passedGate() {
    return gate != null && gate.outcome() == GateDecision.Outcome.PASSED;
  }

  private ModelVersion emit(MlcpEvent event, Instant at) {
    return withOutbox(outbox.add(id, event, at));
  }
}
