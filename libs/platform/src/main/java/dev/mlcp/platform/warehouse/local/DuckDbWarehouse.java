package dev.mlcp.platform.warehouse.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.Json;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

/**
 * {@link Warehouse} on an embedded DuckDB database file: a dataset is a schema. A connection is
 * opened per call so that other processes sharing the state directory can open the file between
 * calls (DuckDB allows one writing process at a time).
 *
 * <p>Queries from callers ({@link #dryRun}, {@link #query}) run with DuckDB's external access off,
 * so SQL cannot read or write this machine's files ({@code read_csv('/etc/passwd')}, {@code COPY},
 * {@code ATTACH}); the setting holds for the database instance until its last connection closes.
 * The statement type comes from DuckDB's own parser ({@code json_serialize_sql}, which serializes
 * SELECT statements only); caller SQL is never prepared before it is known to be one SELECT.
 */
public final class DuckDbWarehouse implements Warehouse {

  /** The statement type of SQL that holds anything but SELECT statements. */
  public static final String NOT_SELECT = "NOT_SELECT";

  private static final List<String> INTERNAL_SCHEMAS =
      List.of("information_schema", "pg_catalog", "main");

  /** The insert ids of {@link #insertRowsOnce} inserts, per table (not a dataset: not listed). */
  private static final String INSERT_IDS = "main.mlcp_insert_ids";

  /** One lock per database file (URL) in this process. */
  private static final ConcurrentMap<String, Object> WRITE_LOCKS = new ConcurrentHashMap<>();

  private final String url;

  static {
    // DriverManager discovers drivers once, in whichever class loader asks first (in tests a
    // Quarkus one); loading the driver here registers it for this adapter's class loader too.
    try {
      Class.forName("org.duckdb.DuckDBDriver");
    } catch (ClassNotFoundException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A warehouse in the database file {@code file} (created if missing). */
  public DuckDbWarehouse(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file.getParent(), e);
    }
    this.url = "jdbc:duckdb:" + file.toAbsolutePath();
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private <T> T withConnection(String what, Work<T> work) {
    try (Connection connection = DriverManager.getConnection(url)) {
      return work.run(connection);
    } catch (SQLException e) {
      throw classify(what, e);
    }
  }

  /**
   * As {@link #withConnection} for a write: writes to one database file are serialised within the
   * process, because DuckDB's optimistic transactions fail concurrent catalog or row writes
   * ("write-write conflict") where BigQuery would take both.
   */
  private <T> T writing(String what, Work<T> work) {
    synchronized (WRITE_LOCKS.computeIfAbsent(url, k -> new Object())) {
      return withConnection(what, work);
    }
  }

  @Override
  public List<String> listDatasets() {
    return withConnection(
        "list datasets",
        c -> {
          List<String> out = new ArrayList<>();
          try (ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT DISTINCT schema_name FROM information_schema.schemata"
                          + " WHERE catalog_name = current_database() ORDER BY 1")) {
            while (rs.next()) {
              String name = rs.getString(1);
              if (!INTERNAL_SCHEMAS.contains(name)) {
                out.add(name);
              }
            }
          }
          return out;
        });
  }

  @Override
  public List<String> listTables(String dataset) {
    if (!TableId.isValidName(dataset)) {
      throw PlatformException.invalid("invalid dataset name: " + dataset);
    }
    return withConnection(
        "list tables of " + dataset,
        c -> {
          requireDataset(c, dataset);
          List<String> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT table_name FROM information_schema.tables"
                      + " WHERE table_schema = ? AND table_catalog = current_database()"
                      + " ORDER BY 1")) {
            ps.setString(1, dataset);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(rs.getString(1));
              }
            }
          }
          return out;
        });
  }

  @Override
  public TableSchema schema(TableId table) {
    return withConnection("read the schema of " + table, c -> schema(c, table));
  }

  @Override
  public TableRows preview(TableId table, int maxRows) {
    return withConnection(
        "preview " + table,
        c -> {
          TableSchema schema = schema(c, table);
          try (PreparedStatement ps =
              c.prepareStatement("SELECT * FROM " + quoted(table) + " LIMIT ?")) {
            ps.setInt(1, Math.max(0, maxRows));
            try (ResultSet rs = ps.executeQuery()) {
              return new TableRows(schema, rows(rs, schema));
            }
          }
        });
  }

  @Override
  public TableDetails describe(TableId table) {
    return withConnection(
        "describe " + table,
        c -> {
          TableSchema schema = schema(c, table);
          try (ResultSet rs =
              c.createStatement().executeQuery("SELECT count(*) FROM " + quoted(table))) {
            rs.next();
            // DuckDB keeps no per-table byte size or creation time.
            return new TableDetails(table, schema, rs.getLong(1), null, null);
          }
        });
  }

  @Override
  public RowPage rows(TableId table, int pageSize, String pageToken) {
    long offset;
    try {
      offset = pageToken == null ? 0 : Long.parseLong(pageToken);
    } catch (NumberFormatException e) {
      throw PlatformException.invalid("not a page token of " + table);
    }
    return withConnection(
        "read rows of " + table,
        c -> {
          TableSchema schema = schema(c, table);
          try (PreparedStatement ps =
              c.prepareStatement("SELECT * FROM " + quoted(table) + " LIMIT ? OFFSET ?")) {
            ps.setInt(1, Math.max(0, pageSize) + 1);
            ps.setLong(2, offset);
            try (ResultSet rs = ps.executeQuery()) {
              List<Map<String, Object>> rows = rows(rs, schema);
              String next = null;
              if (rows.size() > pageSize) {
                rows = rows.subList(0, pageSize);
                next = Long.toString(offset + pageSize);
              }
              return new RowPage(schema, rows, next);
            }
          }
        });
  }

  @Override
  public DryRun dryRun(String sql) {
    return withConnection(
        "validate the query",
        c -> {
          noExternalAccess(c);
          String type = statementType(c, sql);
          if (!DryRun.SELECT.equals(type)) {
            return new DryRun(0, new TableSchema(List.of()), type);
          }
          try (Statement st = c.createStatement();
              ResultSet rs = st.executeQuery("DESCRIBE " + sql)) {
            List<Field> fields = new ArrayList<>();
            while (rs.next()) {
              fields.add(
                  Field.nullable(
                      rs.getString("column_name"), fromDuck(rs.getString("column_type"))));
            }
            return new DryRun(0, new TableSchema(fields), type);
          }
        });
  }

  @Override
  public QueryResult query(String sql, TableId destination) {
    return writing(
        "run the query into " + destination,
        c -> {
          noExternalAccess(c);
          requireDataset(c, destination.dataset());
          String type = statementType(c, sql);
          if (!DryRun.SELECT.equals(type)) {
            // Spliced into CREATE TABLE … AS, a script could run its other statements.
            throw PlatformException.invalid(
                "a query must be one SELECT statement; this is " + type);
          }
          try (Statement st = c.createStatement()) {
            st.execute("CREATE OR REPLACE TABLE " + quoted(destination) + " AS " + sql);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quoted(destination))) {
              rs.next();
              return new QueryResult(destination, rs.getLong(1));
            }
          }
        });
  }

  /** Caller SQL must not reach this machine's files (see the class comment). */
  private static void noExternalAccess(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET enable_external_access = false");
    }
  }

  /**
   * The statement type as DuckDB's parser sees it, without preparing or running anything (the JDBC
   * driver runs all but the last statement of a multi-statement string when preparing it): {@code
   * SELECT} for one SELECT (set operations and CTEs included), {@code SCRIPT} for several SELECTs,
   * {@link #NOT_SELECT} when any statement is something else (DuckDB's serializer handles SELECT
   * only, so it names no finer type).
   */
  static String statementType(Connection c, String sql) throws SQLException {
    JsonNode parsed;
    try (PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
      ps.setString(1, sql);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        parsed = Json.MAPPER.readTree(rs.getString(1));
      } catch (IOException e) {
        throw new SQLException("unreadable parse of the query", e);
      }
    }
    if (!parsed.path("error").asBoolean(true)) {
      return parsed.path("statements").size() == 1 ? DryRun.SELECT : "SCRIPT";
    }
    if ("parser".equals(parsed.path("error_type").asText())) {
      throw new SQLException("Parser Error: " + parsed.path("error_message").asText());
    }
    return NOT_SELECT;
  }

  @Override
  public void insertRows(
      TableId table, TableSchema schemaIfMissing, List<Map<String, Object>> rows) {
    insert(table, schemaIfMissing, rows, null);
  }

  @Override
  public void insertRowsOnce(TableId table, TableSchema schemaIfMissing, List<KeyedRow> rows) {
    insert(
        table,
        schemaIfMissing,
        rows.stream().map(KeyedRow::values).toList(),
        rows.stream().map(KeyedRow::insertId).toList());
  }

  /**
   * Inserts {@code rows} in one transaction; with {@code insertIds}, a row whose id is already in
   * {@value #INSERT_IDS} (this or an earlier insert) is skipped, and the ids of the rows inserted
   * are added there in the same transaction.
   */
  private void insert(
      TableId table,
      TableSchema schemaIfMissing,
      List<Map<String, Object>> given,
      List<String> insertIds) {
    writing(
        "insert rows into " + table,
        c -> {
          c.setAutoCommit(false);
          List<Map<String, Object>> rows = given;
          if (insertIds != null) {
            rows = new ArrayList<>();
            try (Statement st = c.createStatement()) {
              st.execute(
                  "CREATE TABLE IF NOT EXISTS "
                      + INSERT_IDS
                      + " (table_id VARCHAR NOT NULL, insert_id VARCHAR NOT NULL,"
                      + " PRIMARY KEY (table_id, insert_id))");
            }
            try (PreparedStatement seen =
                    c.prepareStatement(
                        "SELECT 1 FROM " + INSERT_IDS + " WHERE table_id = ? AND insert_id = ?");
                PreparedStatement remember =
                    c.prepareStatement("INSERT INTO " + INSERT_IDS + " VALUES (?, ?)")) {
              java.util.Set<String> batch = new java.util.HashSet<>();
              for (int i = 0; i < given.size(); i++) {
                String id = insertIds.get(i);
                seen.setString(1, table.toString());
                seen.setString(2, id);
                boolean known;
                try (ResultSet rs = seen.executeQuery()) {
                  known = rs.next();
                }
                if (known || !batch.add(id)) {
                  continue;
                }
                remember.setString(1, table.toString());
                remember.setString(2, id);
                remember.executeUpdate();
                rows.add(given.get(i));
              }
            }
          }
          try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + quote(table.dataset()));
            st.execute(
                "CREATE TABLE IF NOT EXISTS "
                    + quoted(table)
                    + " ("
                    + schemaIfMissing.fields().stream()
                        .map(
                            f ->
                                quote(f.name())
                                    + " "
                                    + toDuck(f.type())
                                    + (f.required() ? " NOT NULL" : ""))
                        .collect(Collectors.joining(", "))
                    + ")");
          }
          TableSchema schema = schema(c, table);
          for (Map<String, Object> row : rows) {
            for (String column : row.keySet()) {
              if (schema.fields().stream().noneMatch(f -> f.name().equals(column))) {
                throw PlatformException.invalid("no such column " + column + " in " + table);
              }
            }
          }
          String sql =
              "INSERT INTO "
                  + quoted(table)
                  + " ("
                  + schema.fields().stream()
                      .map(f -> quote(f.name()))
                      .collect(Collectors.joining(", "))
                  + ") VALUES ("
                  + schema.fields().stream().map(f -> "?").collect(Collectors.joining(", "))
                  + ")";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (rows.isEmpty()) {
              c.commit();
              return null;
            }
            for (Map<String, Object> row : rows) {
              int i = 1;
              for (Field field : schema.fields()) {
                bind(ps, i++, field, row.get(field.name()));
              }
              ps.addBatch();
            }
            ps.executeBatch();
          }
          c.commit();
          return null;
        });
  }

  private static TableSchema schema(Connection c, TableId table) throws SQLException {
    List<Field> fields = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database()"
                + " ORDER BY ordinal_position")) {
      ps.setString(1, table.dataset());
      ps.setString(2, table.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          fields.add(
              new Field(rs.getString(1), fromDuck(rs.getString(2)), "NO".equals(rs.getString(3))));
        }
      }
    }
    if (fields.isEmpty()) {
      throw PlatformException.notFound("table " + table);
    }
    return new TableSchema(fields);
  }

  private static void requireDataset(Connection c, String dataset) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?"
                + " AND catalog_name = current_database()")) {
      ps.setString(1, dataset);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw PlatformException.notFound("dataset " + dataset);
        }
      }
    }
  }

  private static List<Map<String, Object>> rows(ResultSet rs, TableSchema schema)
      throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    ResultSetMetaData md = rs.getMetaData();
    while (rs.next()) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        FieldType type = schema.fields().get(i - 1).type();
        row.put(md.getColumnName(i), value(rs, i, type));
      }
      out.add(row);
    }
    return out;
  }

  private static Object value(ResultSet rs, int i, FieldType type) throws SQLException {
    Object raw = rs.getObject(i);
    if (raw == null) {
      return null;
    }
    return switch (type) {
      case INT64 -> ((Number) raw).longValue();
      case FLOAT64 -> ((Number) raw).doubleValue();
      case BOOL -> (Boolean) raw;
      case STRING, JSON -> raw.toString();
      case NUMERIC -> raw instanceof BigDecimal bd ? bd : new BigDecimal(raw.toString());
      case DATE -> rs.getObject(i, LocalDate.class);
      case TIMESTAMP -> {
        if (raw instanceof OffsetDateTime odt) {
          yield odt.toInstant();
        }
        if (raw instanceof Timestamp ts) {
          yield ts.toLocalDateTime().toInstant(ZoneOffset.UTC);
        }
        yield rs.getObject(i, LocalDateTime.class).toInstant(ZoneOffset.UTC);
      }
      case BYTES -> rs.getBytes(i);
    };
  }

  private static void bind(PreparedStatement ps, int i, Field field, Object value)
      throws SQLException {
    if (value == null) {
      if (field.required()) {
        throw PlatformException.invalid("column " + field.name() + " is required");
      }
      ps.setNull(i, Types.NULL);
      return;
    }
    switch (field.type()) {
      case TIMESTAMP -> {
        Instant instant = value instanceof Instant in ? in : Instant.parse(value.toString());
        ps.setObject(i, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
      }
      case DATE ->
          ps.setObject(i, value instanceof LocalDate d ? d : LocalDate.parse(value.toString()));
      case BYTES -> ps.setBytes(i, (byte[]) value);
      case JSON, STRING -> ps.setString(i, value.toString());
      default -> ps.setObject(i, value);
    }
  }

  private static String toDuck(FieldType type) {
    return switch (type) {
      case INT64 -> "BIGINT";
      case FLOAT64 -> "DOUBLE";
      case BOOL -> "BOOLEAN";
      case STRING, JSON -> "VARCHAR";
      case TIMESTAMP -> "TIMESTAMP";
      case DATE -> "DATE";
      case NUMERIC -> "DECIMAL(38,9)";
      case BYTES -> "BLOB";
    };
  }

  private static FieldType fromDuck(String duckType) {
    String t = duckType.toUpperCase(Locale.ROOT);
    if (t.startsWith("DECIMAL") || t.startsWith("NUMERIC")) {
      return FieldType.NUMERIC;
    }
    if (t.startsWith("TIMESTAMP")) {
      return FieldType.TIMESTAMP;
    }
    return switch (t) {
      case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER" ->
          FieldType.INT64;
      case "DOUBLE", "FLOAT", "REAL" -> FieldType.FLOAT64;
      case "BOOLEAN" -> FieldType.BOOL;
      case "DATE" -> FieldType.DATE;
      case "BLOB" -> FieldType.BYTES;
      case "JSON" -> FieldType.JSON;
      default -> FieldType.STRING;
    };
  }

  private static String quoted(TableId table) {
    return quote(table.dataset()) + "." + quote(table.table());
  }

  private static String quote(String identifier) {
    return "\"" + identifier + "\"";
  }

  private static PlatformException classify(String what, SQLException e) {
    String message = String.valueOf(e.getMessage());
    PlatformException.Kind kind;
    if (message.contains("Catalog Error") || message.contains("does not exist")) {
      kind = PlatformException.Kind.NOT_FOUND;
    } else if (message.contains("Could not set lock")
        || message.contains("Conflicting lock")
        || message.contains("write-write conflict")) {
      kind = PlatformException.Kind.TRANSIENT;
    } else if (message.contains("Constraint Error")) {
      kind = PlatformException.Kind.INVALID_ARGUMENT;
    } else {
      kind = PlatformException.Kind.INVALID_ARGUMENT;
    }
    return new PlatformException(kind, "duckdb", "cannot " + what + ": " + message, e);
  }
}
