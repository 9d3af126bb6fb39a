package dev.mlcp.platform.operational;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link OperationalData} does, run against a database holding {@link #DDL} and {@link
 * #ROWS} (instance {@link #INSTANCE}, database {@link #DATABASE}).
 */
public abstract class OperationalDataContract {
  public static final String INSTANCE = "mlcp-test-inst";
  public static final String DATABASE = "features";

  /** The schema of the contract's database. */
  public static final List<String> DDL =
      List.of(
          "CREATE TABLE users (user_id INT64 NOT NULL, name STRING(100), score FLOAT64,"
              + " active BOOL, joined DATE, seen TIMESTAMP, avatar BYTES(16), tags ARRAY<STRING(20)>)"
              + " PRIMARY KEY (user_id)",
          "CREATE TABLE orders (user_id INT64 NOT NULL, order_id INT64 NOT NULL, amount FLOAT64)"
              + " PRIMARY KEY (user_id, order_id)");

  /** Its rows. */
  public static final List<String> ROWS =
      List.of(
          "INSERT INTO users (user_id, name, score, active, joined, seen, avatar, tags) VALUES"
              + " (1, 'ada', 0.5, true, DATE '2024-01-02', TIMESTAMP '2024-01-02T03:04:05Z',"
              + " b'\\x01\\x02', ['a', 'b']),"
              + " (2, 'bob', 1.5, false, NULL, NULL, NULL, NULL),"
              + " (3, 'cy', 2.5, true, NULL, NULL, NULL, [])",
          "INSERT INTO orders (user_id, order_id, amount) VALUES (1, 10, 9.5), (1, 11, 3.0),"
              + " (2, 20, 7.25)");

  /** The adapter under test, bound to the contract's database. */
  protected abstract OperationalData data();

  /** The database holding {@link #DDL} and {@link #ROWS}. */
  protected DatabaseRef db() {
    return new DatabaseRef(INSTANCE, DATABASE);
  }

  @Test
  void lists_the_databases_of_the_configured_instances() {
    assertThat(data().listDatabases()).contains(db());
  }

  @Test
  void lists_tables_with_their_columns_and_primary_keys() {
    List<TableInfo> tables = data().listTables(db());

    assertThat(tables).extracting(TableInfo::name).containsExactly("orders", "users");
    TableInfo orders = tables.get(0);
    assertThat(orders.primaryKey()).containsExactly("user_id", "order_id");
    assertThat(orders.columns())
        .containsExactly(
            new Column("user_id", "INT64", false),
            new Column("order_id", "INT64", false),
            new Column("amount", "FLOAT64", true));
    assertThat(tables.get(1).columns())
        .extracting(Column::type)
        .contains("STRING(100)", "ARRAY<STRING(20)>", "BYTES(16)");
  }

  @Test
  void previews_at_most_the_rows_asked_for_and_says_when_there_were_more() {
    ResultRows two = data().preview(db(), "users", 2);
    ResultRows all = data().preview(db(), "users", 10);

    assertThat(two.rows()).hasSize(2);
    assertThat(two.truncated()).isTrue();
    assertThat(all.rows()).hasSize(3);
    assertThat(all.truncated()).isFalse();
    assertThat(all.columns()).extracting(Column::name).startsWith("user_id", "name", "score");
  }

  @Test
  void converts_values_to_json_friendly_java_types() {
    ResultRows rows =
        data().query(db(), SqlStatement.of("SELECT * FROM users WHERE user_id = 1"), 10);

    assertThat(rows.rows().get(0))
        .containsExactly(
            1L, "ada", 0.5, true, "2024-01-02", "2024-01-02T03:04:05Z", "AQI=", List.of("a", "b"));
  }

  @Test
  void runs_a_read_only_query_with_parameters() {
    ResultRows rows =
        data()
            .query(
                db(),
                new SqlStatement(
                    "SELECT user_id, SUM(amount) AS total FROM orders WHERE amount > @min"
                        + " GROUP BY user_id ORDER BY user_id",
                    Map.of("min", 5)),
                100);

    assertThat(rows.columns()).extracting(Column::name).containsExactly("user_id", "total");
    assertThat(rows.rows()).containsExactly(List.of(1L, 9.5), List.of(2L, 7.25));
  }

  @Test
  void refuses_dml_and_ddl_as_invalid_argument() {
    for (String sql :
        List.of(
            "DELETE FROM users WHERE true",
            "UPDATE users SET name = 'x' WHERE true",
            "INSERT INTO orders (user_id, order_id) VALUES (9, 9)",
            "DROP TABLE users",
            "SELECT 1; DELETE FROM users WHERE true")) {
      assertThatThrownBy(() -> data().query(db(), SqlStatement.of(sql), 10))
          .as(sql)
          .isInstanceOfSatisfying(
              PlatformException.class,
              e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT));
    }
    assertThat(data().preview(db(), "users", 10).rows()).hasSize(3);
  }

  @Test
  void an_unknown_table_is_not_found() {
    assertThatThrownBy(() -> data().preview(db(), "nope", 10))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }

  @Test
  void an_unknown_database_is_not_found() {
    DatabaseRef missing = new DatabaseRef(db().instance(), "missing");
    assertThatThrownBy(() -> data().query(missing, SqlStatement.of("SELECT 1"), 1))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }

  @Test
  void bad_sql_is_invalid_argument_naming_the_problem() {
    assertThatThrownBy(() -> data().query(db(), SqlStatement.of("SELECT nope FROM users"), 1))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("nope");
            });
  }

  @Test
  void validates_a_query_without_running_it_and_returns_its_columns() {
    List<Column> columns =
        data().validate(db(), SqlStatement.of("SELECT user_id, name FROM users WHERE score > 1"));

    assertThat(columns).extracting(Column::name).containsExactly("user_id", "name");
    assertThatThrownBy(() -> data().validate(db(), SqlStatement.of("SELECT x FROM missing_table")))
        .isInstanceOf(PlatformException.class);
  }

  @Test
  void streams_every_row() {
    List<List<Object>> seen = new ArrayList<>();

    long n = data().stream(db(), SqlStatement.of("SELECT order_id FROM orders"), seen::add);

    assertThat(n).isEqualTo(3);
    assertThat(seen).containsExactlyInAnyOrder(List.of(10L), List.of(11L), List.of(20L));
  }
}
