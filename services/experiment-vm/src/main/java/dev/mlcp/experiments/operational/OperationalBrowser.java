package dev.mlcp.experiments.operational;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.ResultRows;
import dev.mlcp.platform.operational.SqlStatement;
import dev.mlcp.platform.operational.TableInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Browsing operational data (Spanner) for experimentation, read-only: the databases of the
 * configured instances, their tables with schemas, a preview, and read-only SQL or graph queries,
 * each bounded in rows. A database of an instance that is not configured does not exist here.
 */
public final class OperationalBrowser {
  /** Rows a preview or query returns when the caller does not say. */
  public static final int DEFAULT_ROWS = 100;

  /** Rows a preview or query may return at most. */
  public static final int MAX_ROWS = 1000;

  private final OperationalData data;
  private final Set<String> instances;

  public OperationalBrowser(OperationalData data, List<String> instances) {
    this.data = data;
    this.instances = Set.copyOf(instances);
  }

  /** Databases of the configured instances. */
  public List<DatabaseRef> databases() {
    return data.listDatabases();
  }

  /** The tables of a database, with their schemas. */
  public List<TableInfo> tables(String instance, String database) {
    return data.listTables(database(instance, database));
  }

  /** Up to {@code maxRows} rows of a table. */
  public ResultRows preview(String instance, String database, String table, int maxRows) {
    return data.preview(database(instance, database), table, rows(maxRows));
  }

  /**
   * A read-only SQL or graph ({@code GRAPH … MATCH …}) query with parameters.
   *
   * @throws IllegalArgumentException for an empty, oversized or non-read-only statement, or bad
   *     parameters
   */
  public ResultRows query(
      String instance, String database, String sql, Map<String, Object> params, int maxRows) {
    SqlStatement statement = new SqlStatement(sql, params);
    dev.mlcp.platform.operational.ReadOnlySql.require(sql);
    DatabaseRef db = database(instance, database);
    return statement.isGraph()
        ? data.graphQuery(db, statement, rows(maxRows))
        : data.query(db, statement, rows(maxRows));
  }

  private DatabaseRef database(String instance, String database) {
    DatabaseRef ref = new DatabaseRef(instance, database);
    if (!instances.contains(instance)) {
      throw PlatformException.notFound("Spanner database " + ref);
    }
    return ref;
  }

  private static int rows(int maxRows) {
    if (maxRows < 1 || maxRows > MAX_ROWS) {
      throw new IllegalArgumentException("maxRows must be between 1 and " + MAX_ROWS);
    }
    return maxRows;
  }
}
