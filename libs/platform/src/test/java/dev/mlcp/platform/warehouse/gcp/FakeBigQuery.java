package dev.mlcp.platform.warehouse.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful stand-in for the BigQuery v2 REST API as a WireMock extension, with an in-memory
 * DuckDB as its SQL engine: datasets are schemas; tables, tabledata.list, insertAll, and query jobs
 * (dry run, destination table, WRITE_TRUNCATE) behave like BigQuery's, including 404/409 error
 * bodies and jobs that are RUNNING on insert and DONE on the first poll. It is only as good as the
 * overlap of the two SQL dialects, which covers the simple queries the contract uses. insertAll
 * drops rows whose {@code insertId} it has seen (BigQuery does so for about a minute; this stand-in
 * remembers forever). A dry run reports BigQuery's {@code statementType} (SELECT from DuckDB's
 * parser; otherwise named after the statement's first words, as BigQuery names them) and the bytes
 * set with {@link #bytesProcessed}; a job whose {@code maximumBytesBilled} is below that fails with
 * {@code bytesBilledLimitExceeded}. Public, in the test-jar, for services' tests over the real
 * adapter.
 */
public final class FakeBigQuery implements ResponseDefinitionTransformerV2, AutoCloseable {

  /** The transformer name to use in stubs. */
  public static final String NAME = "fake-bigquery";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PATH =
      Pattern.compile(
          "/bigquery/v2/projects/([^/]+)(?:/(datasets|jobs)(?:/([^/]+)(?:/tables(?:/([^/]+)(?:/(data|insertAll))?)?)?)?)?");

  private static final Pattern DDL =
      Pattern.compile("(?is)^\\s*(CREATE|DROP|ALTER)\\s+(OR\\s+REPLACE\\s+)?(TABLE|VIEW|SCHEMA).*");
  private static final Pattern DML = Pattern.compile("(?is)^\\s*(INSERT|UPDATE|DELETE|MERGE)\\b.*");

  private final Connection db;
  private final Map<String, ObjectNode> jobs = new HashMap<>();
  private volatile long bytesProcessed;
  private final Set<String> insertIds = new HashSet<>();

  /** A stand-in with an empty in-memory database. */
  public FakeBigQuery() throws SQLException {
    try {
      // Registers the driver for this class loader (DriverManager may have scanned another).
      Class.forName("org.duckdb.DuckDBDriver");
    } catch (ClassNotFoundException e) {
      throw new SQLException("the DuckDB driver is missing", e);
    }
    db = DriverManager.getConnection("jdbc:duckdb:");
  }

  /** What every dry run reports as {@code totalBytesProcessed} (and jobs bill) from now on. */
  public void bytesProcessed(long bytes) {
    this.bytesProcessed = bytes;
  }

  /** BigQuery's statement type of {@code sql}, as far as this fake can tell. */
  private String statementType(String sql) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
      ps.setString(1, sql);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        JsonNode parsed = JSON.readTree(rs.getString(1));
        if (!parsed.path("error").asBoolean(true)) {
          return parsed.path("statements").size() == 1 ? "SELECT" : "SCRIPT";
        }
      } catch (IOException e) {
        throw new SQLException(e);
      }
    }
    String body = sql.strip().replaceAll(";+$", "");
    if (body.contains(";")) {
      return "SCRIPT";
    }
    Matcher ddl = DDL.matcher(body);
    if (ddl.matches()) {
      String verb = ddl.group(1).toUpperCase(Locale.ROOT);
      String what = ddl.group(3).toUpperCase(Locale.ROOT);
      return verb
          + "_"
          + what
          + (body.toUpperCase(Locale.ROOT).contains(" AS SELECT") ? "_AS_SELECT" : "");
    }
    Matcher dml = DML.matcher(body);
    return dml.matches() ? dml.group(1).toUpperCase(Locale.ROOT) : "UNKNOWN";
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }

  @Override
  public synchronized ResponseDefinition transform(ServeEvent event) {
    var request = event.getRequest();
    Matcher m = PATH.matcher(request.getUrl().split("\\?")[0]);
    String method = request.getMethod().getName();
    try {
      if (!m.matches()) {
        return error(404, "notFound", "no such path");
      }
      String project = m.group(1);
      String collection = m.group(2);
      String id = m.group(3);
      String table = m.group(4);
      String sub = m.group(5);
      if ("jobs".equals(collection)) {
        return id == null && method.equals("POST")
            ? insertJob(project, body(request.getBodyAsString()))
            : getJob(id);
      }
      if (id == null) {
        return method.equals("POST")
            ? createDataset(body(request.getBodyAsString()))
            : listDatasets(project);
      }
      if (table == null) {
        if (method.equals("POST")) {
          return createTable(id, body(request.getBodyAsString()));
        }
        return listTables(project, id);
      }
      if (sub == null) {
        return getTable(project, id, table);
      }
      if (sub.equals("data")) {
        QueryParameter max = request.queryParameter("maxResults");
        QueryParameter token = request.queryParameter("pageToken");
        return tableData(
            id,
            table,
            max.isPresent() ? Integer.parseInt(max.firstValue()) : 100,
            token.isPresent() ? Integer.parseInt(token.firstValue()) : 0);
      }
      return insertAll(id, table, body(request.getBodyAsString()));
    } catch (Exception e) {
      return error(500, "backendError", e.toString());
    }
  }

  private static JsonNode body(String text) throws Exception {
    return text == null || text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
  }

  private boolean schemaExists(String dataset) throws SQLException {
    try (PreparedStatement ps =
        db.prepareStatement("SELECT 1 FROM information_schema.schemata WHERE schema_name = ?")) {
      ps.setString(1, dataset);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private List<String[]> columns(String dataset, String table) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps =
        db.prepareStatement(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
      ps.setString(1, dataset);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new String[] {
                rs.getString(1),
                bqType(rs.getString(2)),
                "NO".equals(rs.getString(3)) ? "REQUIRED" : "NULLABLE"
              });
        }
      }
    }
    return out;
  }

  private ResponseDefinition createDataset(JsonNode body) throws SQLException {
    String dataset = body.path("datasetReference").path("datasetId").asText();
    if (schemaExists(dataset)) {
      return error(409, "duplicate", "Already Exists: Dataset " + dataset);
    }
    try (Statement st = db.createStatement()) {
      st.execute("CREATE SCHEMA \"" + dataset + "\"");
    }
    return json(body);
  }

  private ResponseDefinition listDatasets(String project) throws SQLException {
    ObjectNode out = JSON.createObjectNode();
    ArrayNode list = out.putArray("datasets");
    try (ResultSet rs =
        db.createStatement()
            .executeQuery(
                "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database() AND schema_name NOT IN ('main','information_schema','pg_catalog') ORDER BY 1")) {
      while (rs.next()) {
        ObjectNode ref = list.addObject().putObject("datasetReference");
        ref.put("projectId", project);
        ref.put("datasetId", rs.getString(1));
      }
    }
    return json(out);
  }

  private ResponseDefinition createTable(String dataset, JsonNode body) throws SQLException {
    String table = body.path("tableReference").path("tableId").asText();
    if (!schemaExists(dataset)) {
      return error(404, "notFound", "Not found: Dataset " + dataset);
    }
    if (!columns(dataset, table).isEmpty()) {
      return error(409, "duplicate", "Already Exists: Table " + dataset + "." + table);
    }
    List<String> cols = new ArrayList<>();
    for (JsonNode f : body.path("schema").path("fields")) {
      cols.add(
          "\""
              + f.path("name").asText()
              + "\" "
              + duckType(f.path("type").asText())
              + ("REQUIRED".equals(f.path("mode").asText()) ? " NOT NULL" : ""));
    }
    try (Statement st = db.createStatement()) {
      st.execute(
          "CREATE TABLE \"" + dataset + "\".\"" + table + "\" (" + String.join(", ", cols) + ")");
    }
    return json(body);
  }

  private ResponseDefinition listTables(String project, String dataset) throws SQLException {
    if (!schemaExists(dataset)) {
      return error(404, "notFound", "Not found: Dataset " + dataset);
    }
    ObjectNode out = JSON.createObjectNode();
    ArrayNode list = out.putArray("tables");
    try (PreparedStatement ps =
        db.prepareStatement(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1")) {
      ps.setString(1, dataset);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ObjectNode t = list.addObject();
          t.put("type", "TABLE");
          ObjectNode ref = t.putObject("tableReference");
          ref.put("projectId", project);
          ref.put("datasetId", dataset);
          ref.put("tableId", rs.getString(1));
        }
      }
    }
    return json(out);
  }

  private ResponseDefinition getTable(String project, String dataset, String table)
      throws SQLException {
    List<String[]> cols = columns(dataset, table);
    if (cols.isEmpty()) {
      return error(404, "notFound", "Not found: Table " + project + ":" + dataset + "." + table);
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("kind", "bigquery#table");
    out.put("type", "TABLE");
    ObjectNode ref = out.putObject("tableReference");
    ref.put("projectId", project);
    ref.put("datasetId", dataset);
    ref.put("tableId", table);
    ArrayNode fields = out.putObject("schema").putArray("fields");
    for (String[] c : cols) {
      fields.addObject().put("name", c[0]).put("type", c[1]).put("mode", c[2]);
    }
    try (ResultSet rs =
        db.createStatement()
            .executeQuery("SELECT count(*) FROM \"" + dataset + "\".\"" + table + "\"")) {
      rs.next();
      out.put("numRows", Long.toString(rs.getLong(1)));
      out.put("numBytes", Long.toString(rs.getLong(1) * 64 * cols.size()));
    }
    out.put("creationTime", "1767225600000");
    return json(out);
  }

  private ResponseDefinition tableData(String dataset, String table, int max, int offset)
      throws SQLException {
    List<String[]> cols = columns(dataset, table);
    if (cols.isEmpty()) {
      return error(404, "notFound", "Not found: Table " + dataset + "." + table);
    }
    ObjectNode out = JSON.createObjectNode();
    ArrayNode rows = out.putArray("rows");
    try (ResultSet rs =
        db.createStatement()
            .executeQuery(
                "SELECT * FROM \""
                    + dataset
                    + "\".\""
                    + table
                    + "\" LIMIT "
                    + (max + 1)
                    + " OFFSET "
                    + offset)) {
      while (rs.next()) {
        if (rows.size() == max) {
          out.put("pageToken", Integer.toString(offset + max));
          break;
        }
        ArrayNode f = rows.addObject().putArray("f");
        for (int i = 0; i < cols.size(); i++) {
          Object v = rs.getObject(i + 1);
          ObjectNode cell = f.addObject();
          if (v == null) {
            cell.putNull("v");
          } else if (cols.get(i)[1].equals("TIMESTAMP")) {
            LocalDateTime t = rs.getObject(i + 1, LocalDateTime.class);
            var instant = t.toInstant(ZoneOffset.UTC);
            cell.put("v", Double.toString(instant.getEpochSecond() + instant.getNano() / 1e9));
          } else {
            cell.put("v", v.toString());
          }
        }
      }
    }
    out.put("totalRows", Integer.toString(rows.size()));
    return json(out);
  }

  private ResponseDefinition insertAll(String dataset, String table, JsonNode body)
      throws SQLException {
    List<String[]> cols = columns(dataset, table);
    if (cols.isEmpty()) {
      return error(404, "notFound", "Not found: Table " + dataset + "." + table);
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("kind", "bigquery#tableDataInsertAllResponse");
    int index = 0;
    for (JsonNode row : body.path("rows")) {
      JsonNode values = row.path("json");
      String insertId = row.path("insertId").asText("");
      if (!insertId.isEmpty() && !insertIds.add(dataset + "." + table + "/" + insertId)) {
        index++;
        continue;
      }
      List<String> names = new ArrayList<>();
      values.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        if (cols.stream().noneMatch(c -> c[0].equals(n))) {
          ObjectNode err = out.withArray("insertErrors").addObject();
          err.put("index", index);
          err.putArray("errors")
              .addObject()
              .put("reason", "invalid")
              .put("message", "no such field: " + n);
        }
      }
      if (!out.has("insertErrors")) {
        String sql =
            "INSERT INTO \""
                + dataset
                + "\".\""
                + table
                + "\" ("
                + String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList())
                + ") VALUES ("
                + String.join(", ", names.stream().map(n -> "?").toList())
                + ")";
        try (PreparedStatement ps = db.prepareStatement(sql)) {
          for (int i = 0; i < names.size(); i++) {
            JsonNode v = values.get(names.get(i));
            ps.setObject(
                i + 1,
                v.isNull()
                    ? null
                    : v.isNumber()
                        ? v.numberValue()
                        : v.isBoolean() ? v.booleanValue() : v.asText());
          }
          ps.execute();
        }
      }
      index++;
    }
    return json(out);
  }

  private ResponseDefinition insertJob(String project, JsonNode body) {
    JsonNode config = body.path("configuration");
    JsonNode query = config.path("query");
    String sql = query.path("query").asText();
    String jobId = body.path("jobReference").path("jobId").asText("job-" + UUID.randomUUID());
    ObjectNode job = JSON.createObjectNode();
    job.put("kind", "bigquery#job");
    job.putObject("jobReference").put("projectId", project).put("jobId", jobId);
    job.set("configuration", config.deepCopy());
    try {
      if (config.path("dryRun").asBoolean(false)) {
        String type = statementType(sql);
        ArrayNode fields = JSON.createArrayNode();
        if (type.equals("SELECT")) {
          try (ResultSet rs = db.createStatement().executeQuery("DESCRIBE " + sql)) {
            while (rs.next()) {
              fields
                  .addObject()
                  .put("name", rs.getString("column_name"))
                  .put("type", bqType(rs.getString("column_type")));
            }
          }
        }
        job.putObject("status").put("state", "DONE");
        ObjectNode stats = job.putObject("statistics").putObject("query");
        stats.put("totalBytesProcessed", Long.toString(bytesProcessed));
        stats.put("statementType", type);
        stats.putObject("schema").set("fields", fields);
        return json(job);
      }
      JsonNode cap = query.path("maximumBytesBilled");
      if (!cap.isMissingNode() && Long.parseLong(cap.asText()) < bytesProcessed) {
        ObjectNode status = job.putObject("status");
        status.put("state", "DONE");
        status
            .putObject("errorResult")
            .put("reason", "bytesBilledLimitExceeded")
            .put(
                "message",
                "Query exceeded limit for bytes billed: "
                    + cap.asText()
                    + ". "
                    + bytesProcessed
                    + " or higher required.");
        jobs.put(jobId, job);
        return json(job);
      }
      JsonNode dest = query.path("destinationTable");
      String target =
          "\"" + dest.path("datasetId").asText() + "\".\"" + dest.path("tableId").asText() + "\"";
      try (Statement st = db.createStatement()) {
        if ("WRITE_TRUNCATE".equals(query.path("writeDisposition").asText())) {
          st.execute("CREATE OR REPLACE TABLE " + target + " AS " + sql);
        } else {
          st.execute("CREATE TABLE " + target + " AS " + sql);
        }
      }
      job.putObject("status").put("state", "DONE");
    } catch (SQLException e) {
      String reason = e.getMessage().contains("Catalog Error") ? "notFound" : "invalidQuery";
      if (config.path("dryRun").asBoolean(false)) {
        return error(400, reason, e.getMessage().replace('"', '\''));
      }
      ObjectNode status = job.putObject("status");
      status.put("state", "DONE");
      status.putObject("errorResult").put("reason", reason).put("message", e.getMessage());
    }
    jobs.put(jobId, job);
    // The insert answers RUNNING, as BigQuery usually does; the first poll sees DONE.
    ObjectNode running = job.deepCopy();
    running.putObject("status").put("state", "RUNNING");
    return json(running);
  }

  private ResponseDefinition getJob(String id) {
    ObjectNode job = jobs.get(id);
    return job == null ? error(404, "notFound", "Not found: Job " + id) : json(job);
  }

  private static String bqType(String duck) {
    String t = duck.toUpperCase(Locale.ROOT);
    if (t.startsWith("DECIMAL")) {
      return "NUMERIC";
    }
    if (t.startsWith("TIMESTAMP")) {
      return "TIMESTAMP";
    }
    return switch (t) {
      case "BIGINT", "INTEGER" -> "INTEGER";
      case "DOUBLE", "FLOAT" -> "FLOAT";
      case "BOOLEAN" -> "BOOLEAN";
      case "DATE" -> "DATE";
      case "BLOB" -> "BYTES";
      default -> "STRING";
    };
  }

  private static String duckType(String bq) {
    return switch (bq) {
      case "INTEGER", "INT64" -> "BIGINT";
      case "FLOAT", "FLOAT64" -> "DOUBLE";
      case "BOOLEAN", "BOOL" -> "BOOLEAN";
      case "TIMESTAMP" -> "TIMESTAMP";
      case "DATE" -> "DATE";
      case "NUMERIC" -> "DECIMAL(38,9)";
      case "BYTES" -> "BLOB";
      default -> "VARCHAR";
    };
  }

  private static ResponseDefinition json(JsonNode body) {
    return WireMock.aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(body.toString())
        .build();
  }

  private static ResponseDefinition error(int status, String reason, String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", status);
    error.put("message", message);
    error.putArray("errors").addObject().put("reason", reason).put("message", message);
    return WireMock.aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(root.toString())
        .build();
  }
}
