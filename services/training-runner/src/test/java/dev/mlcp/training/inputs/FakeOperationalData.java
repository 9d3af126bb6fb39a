package dev.mlcp.training.inputs;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.operational.Column;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.ResultRows;
import dev.mlcp.platform.operational.SqlStatement;
import dev.mlcp.platform.operational.TableInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** One database with tables; a query validates when it names one of them (or none). */
final class FakeOperationalData implements OperationalData {
  final DatabaseRef db;
  final Map<String, List<Column>> tables;
  final List<String> validated = new ArrayList<>();

  FakeOperationalData(DatabaseRef db, Map<String, List<Column>> tables) {
    this.db = db;
    this.tables = tables;
  }

  @Override
  public List<DatabaseRef> listDatabases() {
    return List.of(db);
  }

  @Override
  public List<TableInfo> listTables(DatabaseRef database) {
    requireDb(database);
    return tables.entrySet().stream()
        .map(e -> new TableInfo(e.getKey(), e.getValue(), List.of(e.getValue().get(0).name())))
        .toList();
  }

  @Override
  public ResultRows preview(DatabaseRef database, String table, int maxRows) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ResultRows query(DatabaseRef database, SqlStatement statement, int maxRows) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ResultRows graphQuery(DatabaseRef database, SqlStatement statement, int maxRows) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<Column> validate(DatabaseRef database, SqlStatement statement) {
    requireDb(database);
    validated.add(statement.sql());
    if (statement.sql().contains("missing_table")) {
      throw PlatformException.invalid("Table not found: missing_table");
    }
    return List.of(new Column("n", "INT64", true));
  }

  @Override
  public long stream(DatabaseRef database, SqlStatement statement, Consumer<List<Object>> sink) {
    throw new UnsupportedOperationException();
  }

  private void requireDb(DatabaseRef database) {
    if (!database.equals(db)) {
      throw PlatformException.notFound("database " + database);
    }
  }
}
