package dev.mlcp.platform.operational;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReadOnlySqlTest {

  @Test
  void reads_pass() {
    for (String sql :
        new String[] {
          "SELECT 1",
          "  select * from t",
          "WITH a AS (SELECT 1) SELECT * FROM a",
          "GRAPH FinGraph MATCH (a:Account) RETURN a.id",
          "(SELECT 1) UNION ALL (SELECT 2)",
          "-- a comment\nSELECT 1;",
          "/* c */ @{USE_ADDITIONAL_PARALLELISM=TRUE} SELECT 1",
          "SELECT 'a;DELETE FROM t' AS s",
        }) {
      assertThatCode(() -> ReadOnlySql.require(sql)).as(sql).doesNotThrowAnyException();
    }
  }

  @Test
  void writes_and_second_statements_fail_naming_the_keyword() {
    assertThatThrownBy(() -> ReadOnlySql.require("DELETE FROM t WHERE true"))
        .hasMessageContaining("DELETE");
    assertThatThrownBy(() -> ReadOnlySql.require("/* SELECT */ UPDATE t SET a = 1 WHERE true"))
        .hasMessageContaining("UPDATE");
    assertThatThrownBy(() -> ReadOnlySql.require("CREATE TABLE x (a INT64) PRIMARY KEY (a)"))
        .hasMessageContaining("CREATE");
    assertThatThrownBy(() -> ReadOnlySql.require("SELECT 1; DROP TABLE t"))
        .hasMessageContaining("one statement");
    assertThatThrownBy(() -> ReadOnlySql.require("   ")).hasMessageContaining("empty");
  }

  @Test
  void graph_queries_are_recognised() {
    assertThat(SqlStatement.of("GRAPH g MATCH (n) RETURN n.id").isGraph()).isTrue();
    assertThat(SqlStatement.of("SELECT 1").isGraph()).isFalse();
  }
}
