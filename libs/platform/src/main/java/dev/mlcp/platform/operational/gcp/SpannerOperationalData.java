package dev.mlcp.platform.operational.gcp;

import com.google.cloud.ByteArray;
import com.google.cloud.NoCredentials;
import com.google.cloud.spanner.Database;
import com.google.cloud.spanner.DatabaseClient;
import com.google.cloud.spanner.DatabaseId;
import com.google.cloud.spanner.ErrorCode;
import com.google.cloud.spanner.ReadContext;
import com.google.cloud.spanner.ReadContext.QueryAnalyzeMode;
import com.google.cloud.spanner.ReadOnlyTransaction;
import com.google.cloud.spanner.ResultSet;
import com.google.cloud.spanner.SessionPoolOptions;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerException;
import com.google.cloud.spanner.SpannerOptions;
import com.google.cloud.spanner.Statement;
import com.google.cloud.spanner.Struct;
import com.google.cloud.spanner.TimestampBound;
import com.google.cloud.spanner.Type;
import com.google.cloud.spanner.Value;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.PlatformException.Kind;
import dev.mlcp.platform.operational.Column;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.ReadOnlySql;
import dev.mlcp.platform.operational.ResultRows;
import dev.mlcp.platform.operational.SqlStatement;
import dev.mlcp.platform.operational.TableInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@link OperationalData} on Cloud Spanner (google-cloud-spanner): every read is a single-use
 * read-only transaction (no locks, no writes possible), data reads at a bounded staleness (served
 * by the nearest replica), schema reads strong (INFORMATION_SCHEMA does not take a max staleness).
 * The session pool is sized for Cloud Run: no sessions held while idle beyond {@code minSessions},
 * at most {@code maxSessions} (one per concurrent request). Locally the same adapter runs on the
 * Spanner emulator ({@link #onEmulator}).
 */
public final class SpannerOperationalData implements OperationalData {

  /**
   * What the adapter needs.
   *
   * @param project project id
   * @param instances instances whose databases {@link #listDatabases()} lists
   * @param maxStaleness staleness bound of data reads (0: strong reads)
   * @param minSessions sessions kept open while idle
   * @param maxSessions sessions at most (concurrent reads beyond wait)
   */
  public record Settings(
      String project,
      List<String> instances,
      Duration maxStaleness,
      int minSessions,
      int maxSessions) {
    /** Validates and copies. */
    public Settings {
      if (project == null || project.isBlank()) {
        throw new IllegalArgumentException("a project id is required (mlcp.project-id)");
      }
      instances = List.copyOf(instances);
      for (String instance : instances) {
        if (!DatabaseRef.isValidInstance(instance)) {
          throw new IllegalArgumentException("mlcp.spanner.instances: invalid id " + instance);
        }
      }
      if (maxStaleness.isNegative()) {
        throw new IllegalArgumentException("mlcp.spanner.max-staleness must not be negative");
      }
      if (minSessions < 0 || maxSessions < 1 || minSessions > maxSessions) {
        throw new IllegalArgumentException(
            "mlcp.spanner.min-sessions/max-sessions: need 0 <= min <= max, max >= 1");
      }
    }
  }

  private static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

  private final Spanner spanner;
  private final Settings settings;

  /** The adapter over an existing client (tests hand in one bound to a local server). */
  public SpannerOperationalData(Spanner spanner, Settings settings) {
    this.spanner = spanner;
    this.settings = settings;
  }

  /** Against Cloud Spanner with Application Default Credentials. */
  public static SpannerOperationalData connect(Settings settings) {
    return new SpannerOperationalData(options(settings).build().getService(), settings);
  }

  /**
   * Against the Spanner emulator at {@code hostPort} (its gRPC port): plaintext, no credentials.
   */
  public static SpannerOperationalData onEmulator(String hostPort, Settings settings) {
    return new SpannerOperationalData(
        options(settings)
            .setEmulatorHost(hostPort)
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService(),
        settings);
  }

  static SpannerOptions.Builder options(Settings settings) {
    return SpannerOptions.newBuilder()
        .setProjectId(settings.project())
        .setSessionPoolOption(
            SessionPoolOptions.newBuilder()
                .setMinSessions(settings.minSessions())
                .setMaxSessions(settings.maxSessions())
                .setFailIfPoolExhausted()
                .build());
  }

  @Override
  public List<DatabaseRef> listDatabases() {
    List<DatabaseRef> out = new ArrayList<>();
    for (String instance : settings.instances()) {
      try {
        for (Database db : spanner.getDatabaseAdminClient().listDatabases(instance).iterateAll()) {
          String id = db.getId().getDatabase();
          if (DatabaseRef.isValidDatabase(id)) {
            out.add(new DatabaseRef(instance, id));
          }
        }
      } catch (SpannerException e) {
        throw classify("list the databases of instance " + instance, e);
      }
    }
    out.sort(Comparator.comparing(DatabaseRef::instance).thenComparing(DatabaseRef::database));
    return out;
  }

  @Override
  public List<TableInfo> listTables(DatabaseRef database) {
    Map<String, List<Column>> columns = new LinkedHashMap<>();
    Map<String, List<String>> keys = new LinkedHashMap<>();
    String what = "list the tables of " + database;
    // Both schema reads at one timestamp.
    try (ReadOnlyTransaction tx = client(database).readOnlyTransaction(TimestampBound.strong())) {
      try (ResultSet rs =
          tx.executeQuery(
              Statement.of(
                  "SELECT t.TABLE_NAME, c.COLUMN_NAME, c.SPANNER_TYPE, c.IS_NULLABLE"
                      + " FROM INFORMATION_SCHEMA.TABLES t JOIN INFORMATION_SCHEMA.COLUMNS c"
                      + " ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME"
                      + " WHERE t.TABLE_SCHEMA = '' ORDER BY t.TABLE_NAME, c.ORDINAL_POSITION"))) {
        while (rs.next()) {
          columns
              .computeIfAbsent(rs.getString(0), t -> new ArrayList<>())
              .add(
                  new Column(
                      rs.getString(1), rs.getString(2), "YES".equalsIgnoreCase(rs.getString(3))));
        }
      }
      try (ResultSet rs =
          tx.executeQuery(
              Statement.of(
                  "SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.INDEX_COLUMNS"
                      + " WHERE TABLE_SCHEMA = '' AND INDEX_NAME = 'PRIMARY_KEY'"
                      + " ORDER BY TABLE_NAME, ORDINAL_POSITION"))) {
        while (rs.next()) {
          keys.computeIfAbsent(rs.getString(0), t -> new ArrayList<>()).add(rs.getString(1));
        }
      }
    } catch (SpannerException e) {
      throw classify(what, e);
    }
    List<TableInfo> out = new ArrayList<>();
    columns.forEach(
        (table, cols) -> out.add(new TableInfo(table, cols, keys.getOrDefault(table, List.of()))));
    return out;
  }

  @Override
  public ResultRows preview(DatabaseRef database, String table, int maxRows) {
    if (table == null || !TABLE.matcher(table).matches()) {
      throw PlatformException.invalid("invalid table name: " + table);
    }
    Statement statement =
        Statement.newBuilder("SELECT * FROM `" + table + "` LIMIT @limit")
            .bind("limit")
            .to(Math.max(0, maxRows) + 1L)
            .build();
    try {
      return collect(statement, database, maxRows, "preview " + table + " in " + database);
    } catch (PlatformException e) {
      if (e.kind() == Kind.INVALID_ARGUMENT && e.getMessage().contains("Table not found")) {
        throw PlatformException.notFound("table " + table + " in " + database);
      }
      throw e;
    }
  }

  @Override
  public ResultRows query(DatabaseRef database, SqlStatement statement, int maxRows) {
    requireReadOnly(statement);
    return collect(statement(statement), database, maxRows, "query " + database);
  }

  @Override
  public ResultRows graphQuery(DatabaseRef database, SqlStatement statement, int maxRows) {
    if (!statement.isGraph()) {
      throw PlatformException.invalid("a graph query starts with GRAPH <name> MATCH ...");
    }
    return query(database, statement, maxRows);
  }

  @Override
  public List<Column> validate(DatabaseRef database, SqlStatement statement) {
    requireReadOnly(statement);
    try (ResultSet rs =
        client(database)
            .singleUse(bound())
            .analyzeQuery(statement(statement), QueryAnalyzeMode.PLAN)) {
      while (rs.next()) {
        // PLAN returns no rows; next() fetches the metadata.
      }
      return columns(rs.getType());
    } catch (SpannerException e) {
      throw classify("check the query on " + database, e);
    }
  }

  @Override
  public long stream(DatabaseRef database, SqlStatement statement, Consumer<List<Object>> sink) {
    requireReadOnly(statement);
    long n = 0;
    try (ResultSet rs = client(database).singleUse(bound()).executeQuery(statement(statement))) {
      while (rs.next()) {
        sink.accept(row(rs.getCurrentRowAsStruct()));
        n++;
      }
      return n;
    } catch (SpannerException e) {
      throw classify("read " + database, e);
    }
  }

  @Override
  public void close() {
    spanner.close();
  }

  private ResultRows collect(Statement statement, DatabaseRef database, int maxRows, String what) {
    int limit = Math.max(0, maxRows);
    List<List<Object>> rows = new ArrayList<>();
    boolean truncated = false;
    try (ReadContext context = client(database).singleUse(bound());
        ResultSet rs = context.executeQuery(statement)) {
      while (rs.next()) {
        if (rows.size() == limit) {
          truncated = true;
          break;
        }
        rows.add(row(rs.getCurrentRowAsStruct()));
      }
      List<Column> columns = columns(rs.getType());
      return new ResultRows(columns, rows, truncated);
    } catch (SpannerException e) {
      throw classify(what, e);
    }
  }

  private DatabaseClient client(DatabaseRef database) {
    return spanner.getDatabaseClient(
        DatabaseId.of(settings.project(), database.instance(), database.database()));
  }

  private TimestampBound bound() {
    return settings.maxStaleness().isZero()
        ? TimestampBound.strong()
        : TimestampBound.ofMaxStaleness(settings.maxStaleness().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void requireReadOnly(SqlStatement statement) {
    try {
      ReadOnlySql.require(statement.sql());
    } catch (IllegalArgumentException e) {
      throw PlatformException.invalid(e.getMessage());
    }
  }

  static Statement statement(SqlStatement s) {
    Statement.Builder b = Statement.newBuilder(s.sql());
    for (Map.Entry<String, Object> p : s.params().entrySet()) {
      Object v = p.getValue();
      Value value;
      if (v instanceof Long l) {
        value = Value.int64(l);
      } else if (v instanceof Double d) {
        value = Value.float64(d);
      } else if (v instanceof Boolean bool) {
        value = Value.bool(bool);
      } else {
        value = Value.string((String) v);
      }
      b.bind(p.getKey()).to(value);
    }
    return b.build();
  }

  private static List<Column> columns(Type type) {
    List<Column> out = new ArrayList<>();
    if (type == null || type.getCode() != Type.Code.STRUCT) {
      return out;
    }
    for (Type.StructField f : type.getStructFields()) {
      out.add(new Column(f.getName(), typeName(f.getType()), true));
    }
    return out;
  }

  static String typeName(Type type) {
    return switch (type.getCode()) {
      case ARRAY -> "ARRAY<" + typeName(type.getArrayElementType()) + ">";
      case STRUCT -> "STRUCT";
      default -> type.getCode().name();
    };
  }

  private static List<Object> row(Struct struct) {
    List<Object> out = new ArrayList<>(struct.getColumnCount());
    for (int i = 0; i < struct.getColumnCount(); i++) {
      out.add(struct.isNull(i) ? null : value(struct.getValue(i)));
    }
    return out;
  }

  static Object value(Value v) {
    if (v == null || v.isNull()) {
      return null;
    }
    Type type = v.getType();
    return switch (type.getCode()) {
      case INT64 -> v.getInt64();
      case FLOAT64 -> v.getFloat64();
      case FLOAT32 -> (double) v.getFloat32();
      case BOOL -> v.getBool();
      case STRING -> v.getString();
      case JSON -> v.getJson();
      case BYTES -> encode(v.getBytes());
      case TIMESTAMP -> v.getTimestamp().toString();
      case DATE -> v.getDate().toString();
      case NUMERIC -> v.getNumeric().toPlainString();
      case ARRAY -> arrayValue(v);
      case STRUCT -> structValue(v.getStruct());
      default -> v.toString();
    };
  }

  private static List<Object> arrayValue(Value v) {
    Type element = v.getType().getArrayElementType();
    List<Object> out = new ArrayList<>();
    switch (element.getCode()) {
      case INT64 -> v.getInt64Array().forEach(out::add);
      case FLOAT64 -> v.getFloat64Array().forEach(out::add);
      case BOOL -> v.getBoolArray().forEach(out::add);
      case STRING -> v.getStringArray().forEach(out::add);
      case JSON -> v.getJsonArray().forEach(out::add);
      case BYTES -> v.getBytesArray().forEach(b -> out.add(b == null ? null : encode(b)));
      case TIMESTAMP ->
          v.getTimestampArray().forEach(t -> out.add(t == null ? null : t.toString()));
      case DATE -> v.getDateArray().forEach(d -> out.add(d == null ? null : d.toString()));
      case NUMERIC ->
          v.getNumericArray().forEach(n -> out.add(n == null ? null : n.toPlainString()));
      case STRUCT -> v.getStructArray().forEach(s -> out.add(s == null ? null : structValue(s)));
      default -> out.add(v.toString());
    }
    return out;
  }

  private static Map<String, Object> structValue(Struct s) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Type.StructField> fields = s.getType().getStructFields();
    for (int i = 0; i < fields.size(); i++) {
      out.put(fields.get(i).getName(), s.isNull(i) ? null : value(s.getValue(i)));
    }
    return out;
  }

  private static String encode(ByteArray bytes) {
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  /** A Spanner failure as a {@link PlatformException}. */
  static PlatformException classify(String what, SpannerException e) {
    ErrorCode code = e.getErrorCode();
    Kind kind =
        switch (code) {
          case NOT_FOUND -> Kind.NOT_FOUND;
          case ALREADY_EXISTS -> Kind.ALREADY_EXISTS;
          case PERMISSION_DENIED, UNAUTHENTICATED -> Kind.PERMISSION_DENIED;
          case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED ->
              Kind.INVALID_ARGUMENT;
          case RESOURCE_EXHAUSTED ->
              e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("quota")
                  ? Kind.QUOTA_EXCEEDED
                  : Kind.TRANSIENT;
          default -> Kind.TRANSIENT;
        };
    String message = e.getMessage() == null ? code.name() : e.getMessage();
    // The client prefixes messages with the code; keep the part a person reads.
    int colon = message.indexOf(": ");
    if (message.startsWith(code.name()) && colon > 0) {
      message = message.substring(colon + 2);
    }
    return new PlatformException(kind, code.name(), "cannot " + what + ": " + message, e);
  }
}
