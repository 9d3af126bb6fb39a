package dev.mlcp.experiments.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.warehouse.DryRun;
import dev.mlcp.platform.warehouse.QueryResult;
import dev.mlcp.platform.warehouse.RowPage;
import dev.mlcp.platform.warehouse.TableDetails;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.Index;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * BigQuery discovery over the {@link Warehouse} port: datasets, tables, their metadata and a
 * preview read without a query (no query cost); dry runs with an estimated cost; read-only queries
 * into a table of the scratch dataset, usable as a training input {@code bq://…}. Read-only means
 * what the warehouse's own dry run says: its statement type must be SELECT. A per-query bytes cap
 * holds twice: against the dry run's estimate here, and in the job itself ({@code
 * maximumBytesBilled}).
 */
public class DataService {
  private static final Logger LOG = Logger.getLogger(DataService.class);
  private static final double TIB = 1024.0 * 1024 * 1024 * 1024;

  /**
   * Settings.
   *
   * @param project the project of {@code bq://} URIs
   * @param queryDataset where query results go
   * @param maxBytesBilled the per-query cap
   * @param usdPerTib on-demand price per TiB scanned
   * @param maxPreviewRows most rows of a preview
   * @param maxPageSize largest result page
   * @param maxSqlLength longest SQL accepted
   */
  public record Limits(
      String project,
      String queryDataset,
      long maxBytesBilled,
      double usdPerTib,
      int maxPreviewRows,
      int maxPageSize,
      int maxSqlLength) {}

  /**
   * A dry run as the API shows it.
   *
   * @param statementType the warehouse's statement type
   * @param readOnly whether it would run here (one SELECT)
   * @param bytesProcessed bytes it would scan
   * @param estimatedCostUsd at on-demand prices
   * @param withinCap whether the bytes are within the per-query cap
   * @param schema the result's columns
   */
  public record Estimate(
      String statementType,
      boolean readOnly,
      long bytesProcessed,
      double estimatedCostUsd,
      boolean withinCap,
      TableSchema schema) {}

  /**
   * A query that ran, with the first page of its result.
   *
   * @param query its record
   * @param estimatedCostUsd at on-demand prices
   * @param firstPage the first rows
   */
  public record Outcome(QueryRecord query, double estimatedCostUsd, RowPage firstPage) {}

  private final Warehouse warehouse;
  private final DocumentStore<QueryRecord> queries;
  private final IdGenerator ids;
  private final Clock clock;
  private final Limits limits;

  public DataService(
      Warehouse warehouse,
      ObjectStore store,
      ObjectUri stateRoot,
      ObjectMapper json,
      IdGenerator ids,
      Clock clock,
      Limits limits) {
    this.warehouse = warehouse;
    this.queries =
        new DocumentStore<>(
            store,
            stateRoot,
            "queries",
            QueryRecord.class,
            json,
            List.of(Index.single("owner", QueryRecord::owner)));
    this.ids = ids;
    this.clock = clock;
    this.limits = limits;
  }

  /** The limits. */
  public Limits limits() {
    return limits;
  }

  /** Dataset names. */
  public List<String> datasets() {
    return warehouse.listDatasets();
  }

  /** Table names of {@code dataset}. */
  public List<String> tables(String dataset) {
    return warehouse.listTables(dataset);
  }

  /** A table's schema, rows and size. */
  public TableDetails table(TableId table) {
    return warehouse.describe(table);
  }

  /** Up to {@code limit} rows (bounded by the preview cap), read without a query. */
  public TableRows preview(TableId table, int limit) {
    if (limit < 1 || limit > limits.maxPreviewRows()) {
      throw new InvalidQueryException("limit", "must be between 1 and " + limits.maxPreviewRows());
    }
    return warehouse.preview(table, limit);
  }

  /** What {@code sql} would do and cost, without running it. */
  public Estimate dryRun(String sql) {
    DryRun dryRun = validatedDryRun(sql);
    return new Estimate(
        dryRun.statementType(),
        dryRun.isSelect(),
        dryRun.bytesProcessed(),
        cost(dryRun.bytesProcessed()),
        dryRun.bytesProcessed() <= limits.maxBytesBilled(),
        dryRun.schema());
  }

  /**
   * Runs a read-only query for {@code owner} into a new table of the scratch dataset.
   *
   * @throws NotReadOnlyException when the dry run's statement type is not SELECT
   * @throws BytesCapExceededException when the estimate exceeds the per-query cap
   */
  public Outcome query(String owner, String sql, int pageSize) {
    DryRun dryRun = validatedDryRun(sql);
    if (!dryRun.isSelect()) {
      throw new NotReadOnlyException(String.valueOf(dryRun.statementType()));
    }
    if (dryRun.bytesProcessed() > limits.maxBytesBilled()) {
      throw new BytesCapExceededException(dryRun.bytesProcessed(), limits.maxBytesBilled());
    }
    String id = "q_" + ids.newId().toLowerCase(Locale.ROOT);
    TableId destination = new TableId(limits.queryDataset(), id);
    QueryResult result = warehouse.query(sql, destination, limits.maxBytesBilled());
    QueryRecord record =
        queries.create(
            new QueryRecord(
                id,
                owner,
                limits.queryDataset(),
                "bq://" + limits.project() + "." + limits.queryDataset() + "." + id,
                result.totalRows(),
                dryRun.bytesProcessed(),
                clock.instant(),
                null));
    LOG.infof(
        "query %s by %s: %d rows into %s (%d bytes estimated)",
        id, owner, result.totalRows(), record.destination(), dryRun.bytesProcessed());
    return new Outcome(
        record, cost(dryRun.bytesProcessed()), warehouse.rows(destination, pageSize, null));
  }

  /** A query that ran, if it exists. */
  public Optional<QueryRecord> find(String id) {
    return id.matches("q_[0-9a-z]{26}") ? queries.find(id) : Optional.empty();
  }

  /** A page of a query's result. */
  public RowPage results(QueryRecord query, int pageSize, String pageToken) {
    return warehouse.rows(new TableId(query.dataset(), query.id()), pageSize, pageToken);
  }

  private DryRun validatedDryRun(String sql) {
    if (sql == null || sql.isBlank()) {
      throw new InvalidQueryException("sql", "is required");
    }
    if (sql.length() > limits.maxSqlLength()) {
      throw new InvalidQueryException(
          "sql", "is longer than " + limits.maxSqlLength() + " characters");
    }
    try {
      return warehouse.dryRun(sql);
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.INVALID_ARGUMENT
          || e.kind() == PlatformException.Kind.NOT_FOUND) {
        throw new InvalidQueryException("sql", e.getMessage());
      }
      throw e;
    }
  }

  private double cost(long bytes) {
    return Math.round(bytes / TIB * limits.usdPerTib() * 1_000_000) / 1_000_000.0;
  }
}
