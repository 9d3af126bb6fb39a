package dev.mlcp.platform.operational;

import java.util.List;
import java.util.function.Consumer;

/**
 * Read-only access to operational (OLTP) data and its graphs, Spanner semantics: list databases and
 * tables with their schemas, preview rows, run read-only SQL with parameters and graph queries
 * (GQL). Every read runs in a single-use read-only transaction at a bounded staleness, so nothing
 * here can write, and reads take no locks. Failures are {@link
 * dev.mlcp.platform.PlatformException}s: NOT_FOUND (database, table), INVALID_ARGUMENT (a statement
 * that is not a read-only query, bad SQL, bad parameters), PERMISSION_DENIED, TRANSIENT.
 */
public interface OperationalData extends AutoCloseable {

  /** Databases of the configured instances, sorted by instance then database. */
  List<DatabaseRef> listDatabases();

  /** The user tables of a database (not INFORMATION_SCHEMA / SPANNER_SYS), sorted, with schemas. */
  List<TableInfo> listTables(DatabaseRef database);

  /** Up to {@code maxRows} rows of {@code table}, in primary-key order. */
  ResultRows preview(DatabaseRef database, String table, int maxRows);

  /**
   * Runs a read-only SQL query and returns at most {@code maxRows} rows ({@link
   * ResultRows#truncated()} tells whether there were more).
   */
  ResultRows query(DatabaseRef database, SqlStatement statement, int maxRows);

  /** Runs a graph query ({@code GRAPH g MATCH ... RETURN ...}); otherwise as {@link #query}. */
  ResultRows graphQuery(DatabaseRef database, SqlStatement statement, int maxRows);

  /**
   * Checks a read-only query without running it (the database plans it): it parses, its tables
   * exist, it is not DML. Returns the result's columns.
   */
  List<Column> validate(DatabaseRef database, SqlStatement statement);

  /**
   * Streams every row of a read-only query to {@code sink}, one at a time, without holding the
   * result in memory.
   *
   * @return rows read
   */
  long stream(DatabaseRef database, SqlStatement statement, Consumer<List<Object>> sink);

  /** Releases clients and sessions; the default does nothing. */
  @Override
  default void close() {}
}
