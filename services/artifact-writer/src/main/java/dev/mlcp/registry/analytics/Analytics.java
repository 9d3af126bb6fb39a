package dev.mlcp.registry.analytics;

import dev.mlcp.events.Machine;
import dev.mlcp.events.ResourceUse;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import dev.mlcp.platform.warehouse.Field;
import dev.mlcp.platform.warehouse.FieldType;
import dev.mlcp.platform.warehouse.KeyedRow;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry's rows in the warehouse (BigQuery in the cloud, DuckDB locally): tables are created
 * with their schema when missing; every row has a {@code row_key} and is inserted with it as its
 * insertId, so a retried or redelivered write adds nothing (and a query keeps one row per key where
 * BigQuery's best-effort de-duplication window has passed).
 */
public final class Analytics {
  /** Rows per insert request (BigQuery takes at most 50,000 and 10 MB). */
  static final int BATCH = 500;

  private final Warehouse warehouse;
  private final String dataset;
  private final PriceTable prices;
  private final Clock clock;

  public Analytics(Warehouse warehouse, String dataset, PriceTable prices, Clock clock) {
    if (!TableId.isValidName(dataset)) {
      throw new IllegalArgumentException("not a dataset name: " + dataset);
    }
    this.warehouse = warehouse;
    this.dataset = dataset;
    this.prices = prices;
    this.clock = clock;
  }

  /** The tables and their columns. */
  public enum Table {
    RUNS(
        "runs",
        TableSchema.of(
            Field.required("row_key", FieldType.STRING),
            Field.required("run_id", FieldType.STRING),
            Field.nullable("owner", FieldType.STRING),
            Field.nullable("name", FieldType.STRING),
            Field.nullable("model", FieldType.STRING),
            Field.nullable("version", FieldType.STRING),
            Field.nullable("image", FieldType.STRING),
            Field.nullable("machine_type", FieldType.STRING),
            Field.nullable("accelerator_type", FieldType.STRING),
            Field.nullable("accelerator_count", FieldType.INT64),
            Field.nullable("spot", FieldType.BOOL),
            Field.nullable("zone", FieldType.STRING),
            Field.nullable("attempts", FieldType.INT64),
            Field.nullable("started_at", FieldType.TIMESTAMP),
            Field.nullable("finished_at", FieldType.TIMESTAMP),
            Field.nullable("state", FieldType.STRING),
            Field.nullable("exit_code", FieldType.INT64),
            Field.nullable("cost_estimate_usd", FieldType.FLOAT64),
            Field.nullable("requested_via", FieldType.STRING),
            Field.nullable("requested_by", FieldType.STRING),
            Field.nullable("recorded_at", FieldType.TIMESTAMP))),
    METRICS(
        "metrics",
        TableSchema.of(
            Field.required("row_key", FieldType.STRING),
            Field.required("run_id", FieldType.STRING),
            Field.nullable("model", FieldType.STRING),
            Field.nullable("version", FieldType.STRING),
            Field.required("name", FieldType.STRING),
            Field.required("value", FieldType.FLOAT64),
            Field.nullable("step", FieldType.INT64),
            Field.nullable("recorded_at", FieldType.TIMESTAMP))),
    RESOURCE_USAGE(
        "resource_usage",
        TableSchema.of(
            Field.required("row_key", FieldType.STRING),
            Field.required("run_id", FieldType.STRING),
            Field.nullable("owner", FieldType.STRING),
            Field.nullable("model", FieldType.STRING),
            Field.nullable("wall_seconds", FieldType.FLOAT64),
            Field.nullable("cpu_seconds", FieldType.FLOAT64),
            Field.nullable("max_rss_bytes", FieldType.INT64),
            Field.nullable("gpu_seconds", FieldType.FLOAT64),
            Field.nullable("recorded_at", FieldType.TIMESTAMP))),
    MODEL_VERSIONS(
        "model_versions",
        TableSchema.of(
            Field.required("row_key", FieldType.STRING),
            Field.required("model", FieldType.STRING),
            Field.required("version", FieldType.STRING),
            Field.required("number", FieldType.INT64),
            Field.nullable("run_id", FieldType.STRING),
            Field.nullable("owner", FieldType.STRING),
            Field.nullable("uri", FieldType.STRING),
            Field.nullable("manifest_sha256", FieldType.STRING),
            Field.nullable("size_bytes", FieldType.INT64),
            Field.nullable("file_count", FieldType.INT64),
            Field.nullable("registered_at", FieldType.TIMESTAMP))),
    EVALUATIONS(
        "evaluations",
        TableSchema.of(
            Field.required("row_key", FieldType.STRING),
            Field.required("evaluation_id", FieldType.STRING),
            Field.required("model", FieldType.STRING),
            Field.required("version", FieldType.STRING),
            Field.nullable("evaluator", FieldType.STRING),
            Field.nullable("image", FieldType.STRING),
            Field.nullable("run_id", FieldType.STRING),
            Field.nullable("metric", FieldType.STRING),
            Field.nullable("value", FieldType.FLOAT64),
            Field.nullable("landed_at", FieldType.TIMESTAMP))),
    ALIAS_HISTORY(
        "alias_history",
        TableSchema.of(
            Field.required("row_key", FieldType.STRING),
            Field.required("model", FieldType.STRING),
            Field.required("alias", FieldType.STRING),
            Field.required("sequence", FieldType.INT64),
            Field.nullable("from_version", FieldType.STRING),
            Field.required("to_version", FieldType.STRING),
            Field.nullable("moved_by", FieldType.STRING),
            Field.nullable("via", FieldType.STRING),
            Field.nullable("reason", FieldType.STRING),
            Field.required("moved_at", FieldType.TIMESTAMP)));

    private final String table;
    private final TableSchema schema;

    Table(String table, TableSchema schema) {
      this.table = table;
      this.schema = schema;
    }

    /** The table's name. */
    public String tableName() {
      return table;
    }

    /** Its columns. */
    public TableSchema schema() {
      return schema;
    }
  }

  /** The warehouse table of {@code table}. */
  public TableId id(Table table) {
    return new TableId(dataset, table.tableName());
  }

  /**
   * A registered run: its {@code runs}, {@code resource_usage} and {@code metrics} rows and the
   * version's {@code model_versions} row.
   *
   * @param version {@code v<n>}
   * @param number n
   * @param uri the version's prefix
   * @param sha256 the manifest's SHA-256
   * @param points the run's metric values
   */
  public void registration(
      RunEvent.Succeeded run,
      String version,
      int number,
      String uri,
      String sha256,
      long sizeBytes,
      int fileCount,
      Instant registeredAt,
      List<MetricPoint> points) {
    Batch batch = new Batch();
    registrationRows(
        batch, run, version, number, uri, sha256, sizeBytes, fileCount, registeredAt, points);
    write(batch);
  }

  /**
   * Adds a registered run's rows to {@code batch}: see {@link #registration}.
   *
   * @param version {@code v<n>}
   * @param number n
   * @param uri the version's prefix
   * @param sha256 the manifest's SHA-256
   * @param points the run's metric values
   */
  public void registrationRows(
      Batch batch,
      RunEvent.Succeeded run,
      String version,
      int number,
      String uri,
      String sha256,
      long sizeBytes,
      int fileCount,
      Instant registeredAt,
      List<MetricPoint> points) {
    Instant now = clock.instant();
    RunProvenance p = run.provenance();
    Machine m = run.machine();
    ResourceUse use = run.resourceUse();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("row_key", run.runId() + "/run");
    r.put("run_id", run.runId());
    r.put("owner", run.owner());
    r.put("name", run.name());
    r.put("model", run.name());
    r.put("version", version);
    r.put("image", run.image());
    r.put("machine_type", m == null ? null : m.machineType());
    r.put("accelerator_type", m == null ? null : m.acceleratorType());
    r.put("accelerator_count", m == null ? null : (long) m.acceleratorCount());
    r.put("spot", m == null ? null : m.spot());
    r.put("zone", p == null ? null : p.zone());
    r.put("attempts", (long) run.attempt());
    r.put("started_at", run.startedAt());
    r.put("finished_at", run.finishedAt());
    r.put("state", "SUCCEEDED");
    r.put("exit_code", 0L);
    r.put("cost_estimate_usd", prices.estimate(m, use.wallSeconds()).orElse(run.costEstimateUsd()));
    r.put("requested_via", p == null ? null : p.requestedVia());
    r.put("requested_by", p == null ? null : p.requestedBy());
    r.put("recorded_at", now);
    batch.add(Table.RUNS, r);

    Map<String, Object> u = new LinkedHashMap<>();
    u.put("row_key", run.runId() + "/resource_usage");
    u.put("run_id", run.runId());
    u.put("owner", run.owner());
    u.put("model", run.name());
    u.put("wall_seconds", use.wallSeconds());
    u.put("cpu_seconds", use.cpuSeconds());
    u.put("max_rss_bytes", use.maxRssBytes());
    u.put("gpu_seconds", use.gpuSeconds());
    u.put("recorded_at", now);
    batch.add(Table.RESOURCE_USAGE, u);

    for (int i = 0; i < points.size(); i++) {
      MetricPoint point = points.get(i);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("row_key", run.runId() + "/metric/" + i);
      row.put("run_id", run.runId());
      row.put("model", run.name());
      row.put("version", version);
      row.put("name", point.name());
      row.put("value", point.value());
      row.put("step", point.step() == null ? null : (long) point.step());
      row.put("recorded_at", now);
      batch.add(Table.METRICS, row);
    }

    Map<String, Object> v = new LinkedHashMap<>();
    v.put("row_key", run.name() + "/" + number + "/version");
    v.put("model", run.name());
    v.put("version", version);
    v.put("number", (long) number);
    v.put("run_id", run.runId());
    v.put("owner", run.owner());
    v.put("uri", uri);
    v.put("manifest_sha256", sha256);
    v.put("size_bytes", sizeBytes);
    v.put("file_count", (long) fileCount);
    v.put("registered_at", registeredAt);
    batch.add(Table.MODEL_VERSIONS, v);
  }

  /**
   * An evaluation that landed: one {@code evaluations} row per metric.
   *
   * @param id the evaluation
   * @param metrics its metrics, in file order
   */
  public void evaluation(
      String id,
      String model,
      String version,
      String evaluator,
      String image,
      String runId,
      Map<String, Double> metrics,
      Instant landedAt) {
    Batch batch = new Batch();
    evaluationRows(batch, id, model, version, evaluator, image, runId, metrics, landedAt);
    write(batch);
  }

  /** Adds a landed evaluation's rows to {@code batch}: see {@link #evaluation}. */
  public void evaluationRows(
      Batch batch,
      String id,
      String model,
      String version,
      String evaluator,
      String image,
      String runId,
      Map<String, Double> metrics,
      Instant landedAt) {
    int i = 0;
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("row_key", id + "/" + i++);
      row.put("evaluation_id", id);
      row.put("model", model);
      row.put("version", version);
      row.put("evaluator", evaluator);
      row.put("image", image);
      row.put("run_id", runId);
      row.put("metric", e.getKey());
      row.put("value", e.getValue());
      row.put("landed_at", landedAt);
      batch.add(Table.EVALUATIONS, row);
    }
  }

  /**
   * Moves of one alias: one {@code alias_history} row each.
   *
   * @param moves the moves, each (sequence, from, to, by, via, reason, at)
   */
  public void aliasMoves(String model, String alias, List<AliasMoveRow> moves) {
    Batch batch = new Batch();
    aliasMoveRows(batch, model, alias, moves);
    write(batch);
  }

  /** Adds the rows of moves of one alias to {@code batch}: see {@link #aliasMoves}. */
  public void aliasMoveRows(Batch batch, String model, String alias, List<AliasMoveRow> moves) {
    for (AliasMoveRow m : moves) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("row_key", model + "/" + alias + "/" + m.sequence());
      row.put("model", model);
      row.put("alias", alias);
      row.put("sequence", m.sequence());
      row.put("from_version", m.fromVersion());
      row.put("to_version", m.toVersion());
      row.put("moved_by", m.by());
      row.put("via", m.via());
      row.put("reason", m.reason());
      row.put("moved_at", m.at());
      batch.add(Table.ALIAS_HISTORY, row);
    }
  }

  /**
   * Writes {@code batch}: one insert request per table and {@value #BATCH} rows, each row with its
   * {@code row_key} as insert id, so writing a batch again (after a failure part way) adds nothing.
   */
  public void write(Batch batch) {
    for (Map.Entry<Table, List<KeyedRow>> e : batch.rows.entrySet()) {
      List<KeyedRow> rows = e.getValue();
      for (int from = 0; from < rows.size(); from += BATCH) {
        warehouse.insertRowsOnce(
            id(e.getKey()),
            e.getKey().schema(),
            rows.subList(from, Math.min(rows.size(), from + BATCH)));
      }
    }
  }

  /**
   * Rows gathered per table, from one document or many, so that many registrations cost one insert
   * request per table instead of four each.
   */
  public static final class Batch {
    private final Map<Table, List<KeyedRow>> rows = new EnumMap<>(Table.class);

    void add(Table table, Map<String, Object> row) {
      rows.computeIfAbsent(table, t -> new ArrayList<>())
          .add(new KeyedRow((String) row.get("row_key"), row));
    }

    /** Adds every row of {@code other}. */
    public void addAll(Batch other) {
      other.rows.forEach((t, r) -> rows.computeIfAbsent(t, x -> new ArrayList<>()).addAll(r));
    }

    /** How many rows it holds. */
    public int size() {
      return rows.values().stream().mapToInt(List::size).sum();
    }

    /** Its rows of {@code table}, in the order added. */
    public List<KeyedRow> rows(Table table) {
      return List.copyOf(rows.getOrDefault(table, List.of()));
    }
  }

  /**
   * One metric value.
   *
   * @param name the metric
   * @param step its step, null for a plain value
   * @param value the value
   */
  public record MetricPoint(String name, Integer step, double value) {}

  /**
   * One alias move.
   *
   * @param sequence its number
   * @param fromVersion {@code v<n>} before, null when unset
   * @param toVersion {@code v<n>} after
   * @param by who
   * @param via gate, manual or admin
   * @param reason why
   * @param at when
   */
  public record AliasMoveRow(
      long sequence,
      String fromVersion,
      String toVersion,
      String by,
      String via,
      String reason,
      Instant at) {}
}
