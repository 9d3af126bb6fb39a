package dev.mlcp.registry.models;

import dev.mlcp.events.RunSpec;
import dev.mlcp.events.TrainingRequested;
import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluator run against one version: requested through {@code training-requests} (the request
 * is in the outbox, published with this document's creation), landed when the run succeeds and its
 * {@code metrics.json} is read.
 *
 * @param id {@code ev-…}, also the run's idempotency key and its {@code evaluation} label
 * @param model the model
 * @param version the version evaluated
 * @param evaluator what runs
 * @param requestedBy who asked: a caller's email, or {@code gate} for required evaluations
 * @param state where it is
 * @param runId the evaluation run, once it reported
 * @param metrics its {@code metrics.json} (last value of each metric)
 * @param reason why it failed or expired
 * @param createdAt requested at
 * @param updatedAt last change
 * @param rowsWritten whether its {@code evaluations} rows are in the warehouse
 * @param outbox events not yet published
 */
public record Evaluation(
    String id,
    String model,
    int version,
    Evaluator evaluator,
    String requestedBy,
    EvaluationState state,
    String runId,
    Map<String, Double> metrics,
    String reason,
    Instant createdAt,
    Instant updatedAt,
    boolean rowsWritten,
    Outbox outbox)
    implements Document<Evaluation> {

  /** Label keys an evaluation run carries (run spec rules reserve {@code mlcp-}). */
  public static final String LABEL_EVALUATION = "evaluation";

  /** The evaluated model, as a run label. */
  public static final String LABEL_MODEL = "evaluates-model";

  /** The evaluated version ({@code v3}), as a run label. */
  public static final String LABEL_VERSION = "evaluates-version";

  public Evaluation {
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  /** An evaluation's states. */
  public enum EvaluationState {
    /** The run was requested; its result has not arrived. */
    REQUESTED,
    /** The run succeeded and its metrics are recorded. */
    LANDED,
    /** The run's outputs could not be read as metrics. */
    FAILED,
    /** No result arrived in time (the run failed or was cancelled). */
    EXPIRED
  }

  /**
   * A new evaluation whose run request (owned by {@code runOwner}, with {@code versionUri} as its
   * input) waits in the outbox.
   */
  public static Evaluation requested(
      String id,
      String model,
      int version,
      String versionUri,
      Evaluator evaluator,
      String requestedBy,
      String runOwner,
      Instant now) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_EVALUATION, id);
    labels.put(LABEL_MODEL, model);
    labels.put(LABEL_VERSION, Names.versionName(version));
    RunSpec spec =
        new RunSpec(
            evaluator.name(),
            evaluator.image(),
            null,
            evaluator.args(),
            null,
            null,
            evaluator.machineType(),
            null,
            0,
            false,
            null,
            null,
            0,
            List.of(versionUri),
            null,
            labels,
            null);
    Evaluation created =
        new Evaluation(
            id,
            model,
            version,
            evaluator,
            requestedBy,
            EvaluationState.REQUESTED,
            null,
            Map.of(),
            null,
            now,
            now,
            false,
            Outbox.empty());
    return created.withOutbox(
        created.outbox().add(id, new TrainingRequested(id, runOwner, spec), now));
  }

  @Override
  public Evaluation withOutbox(Outbox next) {
    return new Evaluation(
        id,
        model,
        version,
        evaluator,
        requestedBy,
        state,
        runId,
        metrics,
        reason,
        createdAt,
        updatedAt,
        rowsWritten,
        next);
  }

  /** REQUESTED → LANDED with the run's metrics. */
  public Evaluation land(String run, Map<String, Double> landed, Instant now) {
    if (state != EvaluationState.REQUESTED) {
      return this;
    }
    return new Evaluation(
        id,
        model,
        version,
        evaluator,
        requestedBy,
        EvaluationState.LANDED,
        run,
        landed,
        null,
        createdAt,
        now,
        false,
        outbox);
  }

  /** REQUESTED → FAILED: the run succeeded but its outputs are not metrics. */
  public Evaluation fail(String run, String why, Instant now) {
    if (state != EvaluationState.REQUESTED) {
      return this;
    }
    return new Evaluation(
        id,
        model,
        version,
        evaluator,
        requestedBy,
        EvaluationState.FAILED,
        run,
        metrics,
        why,
        createdAt,
        now,
        rowsWritten,
        outbox);
  }

  /** REQUESTED → EXPIRED: no result in time. */
  public Evaluation expire(String why, Instant now) {
    if (state != EvaluationState.REQUESTED) {
      return this;
    }
    return new Evaluation(
        id,
        model,
        version,
        evaluator,
        requestedBy,
        EvaluationState.EXPIRED,
        runId,
        metrics,
        why,
        createdAt,
        now,
        rowsWritten,
        outbox);
  }

  /** Its warehouse rows are written. */
  public Evaluation withRowsWritten() {
    if (rowsWritten) {
      return this;
    }
    return new Evaluation(
        id,
        model,
        version,
        evaluator,
        requestedBy,
        state,
        runId,
        metrics,
        reason,
        createdAt,
        updatedAt,
        true,
        outbox);
  }
}
