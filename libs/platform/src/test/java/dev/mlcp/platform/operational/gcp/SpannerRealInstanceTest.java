package dev.mlcp.platform.operational.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.cloud.spanner.DatabaseAdminClient;
import com.google.cloud.spanner.DatabaseClient;
import com.google.cloud.spanner.DatabaseId;
import com.google.cloud.spanner.Spanner;
import com.google.cloud.spanner.SpannerOptions;
import com.google.cloud.spanner.Statement;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.OperationalDataContract;
import dev.mlcp.platform.operational.ResultRows;
import dev.mlcp.platform.operational.SqlStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Opt-in: the contract and a graph query against a real Spanner instance, skipped unless {@code
 * MLCP_SPANNER_TEST_PROJECT} and {@code MLCP_SPANNER_TEST_INSTANCE} are set (with Application
 * Default Credentials allowed to create and drop databases there). It creates a database {@code
 * mlcp-t-<random>} with the contract's tables, their rows and a property graph over them, and drops
 * it at the end.
 */
class SpannerRealInstanceTest extends OperationalDataContract {
  static final String PROJECT = System.getenv("MLCP_SPANNER_TEST_PROJECT");
  static final String REAL_INSTANCE = System.getenv("MLCP_SPANNER_TEST_INSTANCE");
  static final String GRAPH =
      "CREATE PROPERTY GRAPH Shop NODE TABLES (users KEY (user_id), orders KEY (user_id, order_id))"
          + " EDGE TABLES (orders AS Placed KEY (user_id, order_id)"
          + " SOURCE KEY (user_id) REFERENCES users (user_id)"
          + " DESTINATION KEY (user_id, order_id) REFERENCES orders (user_id, order_id))";

  private static String database;
  private static Spanner admin;
  private static SpannerOperationalData data;

  @BeforeAll
  static void create() throws Exception {
    assumeTrue(
        PROJECT != null && REAL_INSTANCE != null,
        "set MLCP_SPANNER_TEST_PROJECT and MLCP_SPANNER_TEST_INSTANCE to run against real Spanner");
    database = "mlcp-t-" + UUID.randomUUID().toString().substring(0, 8);
    admin = SpannerOptions.newBuilder().setProjectId(PROJECT).build().getService();
    List<String> ddl = new ArrayList<>(DDL);
    ddl.add(GRAPH);
    admin
        .getDatabaseAdminClient()
        .createDatabase(REAL_INSTANCE, database, ddl)
        .get(5, TimeUnit.MINUTES);
    DatabaseClient client =
        admin.getDatabaseClient(DatabaseId.of(PROJECT, REAL_INSTANCE, database));
    client
        .readWriteTransaction()
        .run(
            tx -> {
              for (String dml : ROWS) {
                tx.executeUpdate(Statement.of(dml));
              }
              return null;
            });
    data =
        SpannerOperationalData.connect(
            new SpannerOperationalData.Settings(
                PROJECT, List.of(REAL_INSTANCE), Duration.ZERO, 0, 4));
  }

  @AfterAll
  static void drop() {
    if (data != null) {
      data.close();
    }
    if (admin != null) {
      DatabaseAdminClient databases = admin.getDatabaseAdminClient();
      databases.dropDatabase(REAL_INSTANCE, database);
      admin.close();
    }
  }

  @Override
  protected OperationalData data() {
    return data;
  }

  @Override
  protected DatabaseRef db() {
    return new DatabaseRef(REAL_INSTANCE, database);
  }

  @Test
  void a_graph_query_runs_on_a_real_property_graph() {
    ResultRows rows =
        data.graphQuery(
            db(),
            new SqlStatement(
                "GRAPH Shop MATCH (u:users {user_id: @id})-[:Placed]->(o:orders)"
                    + " RETURN o.order_id AS order_id, o.amount AS amount ORDER BY order_id",
                Map.of("id", 1)),
            10);

    assertThat(rows.rows()).containsExactly(List.of(10L, 9.5), List.of(11L, 3.0));
  }
}
