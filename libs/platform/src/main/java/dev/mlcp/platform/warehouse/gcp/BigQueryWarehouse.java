package dev.mlcp.platform.warehouse.gcp;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.Dataset;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.InsertAllRequest;
import com.google.cloud.bigquery.InsertAllResponse;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatistics;
import com.google.cloud.bigquery.JobStatus;
import com.google.cloud.bigquery.LegacySQLTypeName;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TableResult;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.gcp.Waits;
import dev.mlcp.platform.warehouse.DryRun;
import dev.mlcp.platform.warehouse.Field;
import dev.mlcp.platform.warehouse.FieldType;
import dev.mlcp.platform.warehouse.KeyedRow;
import dev.mlcp.platform.warehouse.QueryResult;
import dev.mlcp.platform.warehouse.RowPage;
import dev.mlcp.platform.warehouse.TableDetails;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link Warehouse} on BigQuery (standard SQL). Query jobs get a client-chosen job id, so
 * resubmitting after a lost answer cannot run the query twice; jobs are polled to DONE and a job
 * error is classified. Inserted rows carry insertIds so a retried insert is de-duplicated.
 */
public final class BigQueryWarehouse implements Warehouse {

  private final String project;
  private final String location;
  private final BigQuery bigquery;
  private final Retrier retrier;
  private final Duration jobTimeout;
  private final Duration pollInterval;
  private final Clock clock;

  /**
   * Creates the adapter; it owns the client.
   *
   * @param project project id
   * @param location dataset location for datasets this adapter creates (e.g. {@code US})
   * @param bigquery BigQuery client
   * @param retrier retry policy for idempotent calls
   * @param jobTimeout how long to wait for a query job
   * @param pollInterval first wait between job polls (doubles up to 5 s)
   * @param clock time source for the deadline
   */
  public BigQueryWarehouse(
      String project,
      String location,
      BigQuery bigquery,
      Retrier retrier,
      Duration jobTimeout,
      Duration pollInterval,
      Clock clock) {
    this.project = project;
    this.location = location;
    this.bigquery = bigquery;
    this.retrier = retrier;
    this.jobTimeout = jobTimeout;
    this.pollInterval = pollInterval;
    this.clock = clock;
  }

  @Override
  public List<String> listDatasets() {
    List<String> out = new ArrayList<>();
    retrier.run(
        "list datasets",
        true,
        () -> {
          out.clear();
          for (Dataset d : bigquery.listDatasets(project).iterateAll()) {
            out.add(d.getDatasetId().getDataset());
          }
        });
    out.sort(null);
    return out;
  }

  @Override
  public List<String> listTables(String dataset) {
    List<String> out = new ArrayList<>();
    retrier.run(
        "list tables of " + dataset,
        true,
        () -> {
          out.clear();
          for (Table t : bigquery.listTables(DatasetId.of(project, dataset)).iterateAll()) {
            out.add(t.getTableId().getTable());
          }
        });
    out.sort(null);
    return out;
  }

  @Override
  public TableSchema schema(TableId table) {
    return fromSchema(getTable(table).getDefinition().getSchema());
  }

  @Override
  public TableRows preview(TableId table, int maxRows) {
    Schema schema = getTable(table).getDefinition().getSchema();
    TableSchema ours = fromSchema(schema);
    TableResult result =
        retrier.call(
            "preview " + table,
            true,
            () ->
                bigquery.listTableData(
                    bq(table),
                    schema,
                    BigQuery.TableDataListOption.pageSize(Math.max(1, maxRows))));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (FieldValueList values : result.getValues()) {
      if (rows.size() >= maxRows) {
        break;
      }
      rows.add(row(ours, values));
    }
    return new TableRows(ours, rows);
  }

  @Override
  public DryRun dryRun(String sql) {
    QueryJobConfiguration config =
        QueryJobConfiguration.newBuilder(sql).setDryRun(true).setUseLegacySql(false).build();
    Job job = retrier.call("dry-run the query", true, () -> bigquery.create(JobInfo.of(config)));
    JobStatistics.QueryStatistics stats = job.getStatistics();
    Long bytes = stats == null ? null : stats.getTotalBytesProcessed();
    Schema schema = stats == null ? null : stats.getSchema();
    JobStatistics.QueryStatistics.StatementType type =
        stats == null ? null : stats.getStatementType();
    return new DryRun(
        bytes == null ? 0 : bytes,
        schema == null ? new TableSchema(List.of()) : fromSchema(schema),
        type == null ? null : type.name());
  }

  @Override
  public TableDetails describe(TableId table) {
    Table found = getTable(table);
    Schema schema = found.getDefinition().getSchema();
    return new TableDetails(
        table,
        fromSchema(schema),
        found.getNumRows() == null ? null : found.getNumRows().longValue(),
        found.getNumBytes(),
        found.getCreationTime() == null ? null : Instant.ofEpochMilli(found.getCreationTime()));
  }

  @Override
  public RowPage rows(TableId table, int pageSize, String pageToken) {
    Schema schema = getTable(table).getDefinition().getSchema();
    TableSchema ours = fromSchema(schema);
    List<BigQuery.TableDataListOption> options = new ArrayList<>();
    options.add(BigQuery.TableDataListOption.pageSize(Math.max(1, pageSize)));
    if (pageToken != null) {
      options.add(BigQuery.TableDataListOption.pageToken(pageToken));
    }
    TableResult result =
        retrier.call(
            "read rows of " + table,
            true,
            () ->
                bigquery.listTableData(
                    bq(table), schema, options.toArray(BigQuery.TableDataListOption[]::new)));
    List<Map<String, Object>> rows = new ArrayList<>();
    // getValues() is this page only; iterateAll() would fetch the following pages too.
    for (FieldValueList values : result.getValues()) {
      if (rows.size() >= pageSize) {
        break;
      }
      rows.add(row(ours, values));
    }
    return new RowPage(ours, rows, result.getNextPageToken());
  }

  @Override
  public QueryResult query(String sql, TableId destination) {
    return query(sql, destination, null);
  }

  @Override
  public QueryResult query(String sql, TableId destination, long maxBytesBilled) {
    return query(sql, destination, Long.valueOf(maxBytesBilled));
  }

  /** The job fails with {@code bytesBilledLimitExceeded} before it bills more than the limit. */
  private QueryResult query(String sql, TableId destination, Long maxBytesBilled) {
    QueryJobConfiguration.Builder builder =
        QueryJobConfiguration.newBuilder(sql)
            .setUseLegacySql(false)
            .setDestinationTable(bq(destination))
            .setWriteDisposition(JobInfo.WriteDisposition.WRITE_TRUNCATE)
            .setCreateDisposition(JobInfo.CreateDisposition.CREATE_IF_NEEDED);
    if (maxBytesBilled != null) {
      builder.setMaximumBytesBilled(maxBytesBilled);
    }
    QueryJobConfiguration config = builder.build();
    JobId jobId =
        JobId.newBuilder().setProject(project).setJob("mlcp-" + UUID.randomUUID()).build();
    String what = "run the query into " + destination;
    try {
      retrier.call(what, true, () -> bigquery.create(JobInfo.of(jobId, config)));
    } catch (PlatformException e) {
      // A retried insert of the same job id answers "duplicate": the job exists, keep polling it.
      if (e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
    }
    Instant deadline = clock.instant().plus(jobTimeout);
    long wait = Math.max(1, pollInterval.toMillis());
    while (true) {
      Job job = retrier.call("poll job " + jobId.getJob(), true, () -> bigquery.getJob(jobId));
      if (job == null) {
        throw PlatformException.notFound("query job " + jobId.getJob());
      }
      JobStatus status = job.getStatus();
      if (status != null && status.getState() == JobStatus.State.DONE) {
        if (status.getError() != null) {
          throw jobFailure(what, status.getError());
        }
        break;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new PlatformException(
            PlatformException.Kind.TRANSIENT,
            "JOB_TIMEOUT",
            "cannot " + what + ": job " + jobId.getJob() + " not done after " + jobTimeout);
      }
      Waits.sleep(wait, "waiting for a job");
      wait = Math.min(wait * 2, 5_000);
    }
    Table table = getTable(destination);
    return new QueryResult(
        destination, table.getNumRows() == null ? 0 : table.getNumRows().longValue());
  }

  @Override
  public void insertRows(
      TableId table, TableSchema schemaIfMissing, List<Map<String, Object>> rows) {
    List<KeyedRow> keyed = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      keyed.add(new KeyedRow(UUID.randomUUID().toString(), row));
    }
    insertRowsOnce(table, schemaIfMissing, keyed);
  }

  @Override
  public void insertRowsOnce(TableId table, TableSchema schemaIfMissing, List<KeyedRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    InsertAllRequest.Builder request = InsertAllRequest.newBuilder(bq(table));
    for (KeyedRow row : rows) {
      Map<String, Object> converted = new LinkedHashMap<>();
      row.values().forEach((k, v) -> converted.put(k, toJsonValue(v)));
      request.addRow(row.insertId(), converted);
    }
    InsertAllRequest built = request.build();
    String what = "insert rows into " + table;
    InsertAllResponse response;
    try {
      response = retrier.call(what, true, () -> bigquery.insertAll(built));
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.NOT_FOUND) {
        throw e;
      }
      createIfMissing(table, schemaIfMissing);
      response = retrier.call(what, true, () -> bigquery.insertAll(built));
    }
    if (response.hasErrors()) {
      BigQueryError first = response.getInsertErrors().values().iterator().next().get(0);
      throw new PlatformException(
          PlatformException.Kind.INVALID_ARGUMENT,
          first.getReason(),
          "cannot "
              + what
              + ": "
              + response.getInsertErrors().size()
              + " rows rejected, first: "
              + first.getMessage());
    }
  }

  @Override
  public void close() {
    // The BigQuery client holds no resources that need closing.
  }

  private void createIfMissing(TableId table, TableSchema schema) {
    try {
      retrier.call(
          "create dataset " + table.dataset(),
          true,
          () ->
              bigquery.create(
                  DatasetInfo.newBuilder(DatasetId.of(project, table.dataset()))
                      .setLocation(location)
                      .build()));
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
    }
    try {
      retrier.call(
          "create table " + table,
          true,
          () ->
              bigquery.create(
                  TableInfo.of(bq(table), StandardTableDefinition.of(toSchema(schema)))));
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  private Table getTable(TableId table) {
    Table found = retrier.call("get table " + table, true, () -> bigquery.getTable(bq(table)));
    if (found == null) {
      throw PlatformException.notFound("table " + table);
    }
    return found;
  }

  private com.google.cloud.bigquery.TableId bq(TableId table) {
    return com.google.cloud.bigquery.TableId.of(project, table.dataset(), table.table());
  }

  private static PlatformException jobFailure(String what, BigQueryError error) {
    String reason = error.getReason() == null ? "jobError" : error.getReason();
    PlatformException.Kind kind =
        switch (reason) {
          case "notFound" -> PlatformException.Kind.NOT_FOUND;
          case "duplicate" -> PlatformException.Kind.ALREADY_EXISTS;
          case "accessDenied" -> PlatformException.Kind.PERMISSION_DENIED;
          case "quotaExceeded" -> PlatformException.Kind.QUOTA_EXCEEDED;
          case "rateLimitExceeded", "backendError", "internalError" ->
              PlatformException.Kind.TRANSIENT;
          default -> PlatformException.Kind.INVALID_ARGUMENT;
        };
    return new PlatformException(kind, reason, "cannot " + what + ": " + error.getMessage());
  }

  private static TableSchema fromSchema(Schema schema) {
    List<Field> fields = new ArrayList<>();
    if (schema != null) {
      for (com.google.cloud.bigquery.Field f : schema.getFields()) {
        fields.add(
            new Field(
                f.getName(),
                fromType(f.getType()),
                f.getMode() == com.google.cloud.bigquery.Field.Mode.REQUIRED));
      }
    }
    return new TableSchema(fields);
  }

  private static FieldType fromType(LegacySQLTypeName type) {
    StandardSQLTypeName standard = type.getStandardType();
    return switch (standard) {
      case INT64 -> FieldType.INT64;
      case FLOAT64 -> FieldType.FLOAT64;
      case BOOL -> FieldType.BOOL;
      case TIMESTAMP -> FieldType.TIMESTAMP;
      case DATE -> FieldType.DATE;
      case NUMERIC, BIGNUMERIC -> FieldType.NUMERIC;
      case BYTES -> FieldType.BYTES;
      case JSON -> FieldType.JSON;
      default -> FieldType.STRING;
    };
  }

  private static Schema toSchema(TableSchema schema) {
    List<com.google.cloud.bigquery.Field> fields = new ArrayList<>();
    for (Field f : schema.fields()) {
      StandardSQLTypeName type =
          switch (f.type()) {
            case INT64 -> StandardSQLTypeName.INT64;
            case FLOAT64 -> StandardSQLTypeName.FLOAT64;
            case BOOL -> StandardSQLTypeName.BOOL;
            case STRING -> StandardSQLTypeName.STRING;
            case TIMESTAMP -> StandardSQLTypeName.TIMESTAMP;
            case DATE -> StandardSQLTypeName.DATE;
            case NUMERIC -> StandardSQLTypeName.NUMERIC;
            case BYTES -> StandardSQLTypeName.BYTES;
            case JSON -> StandardSQLTypeName.JSON;
          };
      fields.add(
          com.google.cloud.bigquery.Field.newBuilder(f.name(), type)
              .setMode(
                  f.required()
                      ? com.google.cloud.bigquery.Field.Mode.REQUIRED
                      : com.google.cloud.bigquery.Field.Mode.NULLABLE)
              .build());
    }
    return Schema.of(fields);
  }

  private static Map<String, Object> row(TableSchema schema, FieldValueList values) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < schema.fields().size(); i++) {
      Field field = schema.fields().get(i);
      FieldValue v = values.get(i);
      row.put(field.name(), v.isNull() ? null : value(field.type(), v));
    }
    return row;
  }

  private static Object value(FieldType type, FieldValue v) {
    return switch (type) {
      case INT64 -> v.getLongValue();
      case FLOAT64 -> v.getDoubleValue();
      case BOOL -> v.getBooleanValue();
      case STRING, JSON -> v.getStringValue();
      case TIMESTAMP -> v.getTimestampInstant();
      case DATE -> LocalDate.parse(v.getStringValue());
      case NUMERIC -> v.getNumericValue();
      case BYTES -> v.getBytesValue();
    };
  }

  private static Object toJsonValue(Object value) {
    if (value instanceof Instant || value instanceof LocalDate || value instanceof BigDecimal) {
      return value.toString();
    }
    if (value instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    return value;
  }
}
