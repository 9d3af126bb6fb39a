package dev.mlcp.platform.operational.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.NoCredentials;
import com.google.protobuf.util.JsonFormat;
import com.google.spanner.v1.ExecuteSqlRequest;
import com.google.spanner.v1.PartialResultSet;
import com.google.spanner.v1.TransactionOptions;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.operational.Column;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.ResultRows;
import dev.mlcp.platform.operational.SqlStatement;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Graph queries through the production adapter and the real Spanner client library, against an
 * in-process Spanner answering recorded result sets (src/test/resources/spanner).
 */
class SpannerGraphQueryTest {
  static final String TRANSFERS =
      "GRAPH FinGraph MATCH (a:Account {id: @id})-[t:Transfers]->(b:Account)-[:Owns]-(p:Person)"
          + " RETURN b.id AS to_account, t.amount AS amount, SAFE_TO_JSON(p) AS owner";
  static final String PATHS =
      "GRAPH FinGraph MATCH p = (a:Account {id: 7})-[:Transfers]->{2}(b:Account)"
          + " RETURN ARRAY(SELECT n.id FROM UNNEST(NODES(p)) AS n) AS path_nodes, 2 AS hops";
  static final DatabaseRef DB = new DatabaseRef("graph-inst", "fin");

  private final FakeSpanner fake = new FakeSpanner();
  private Server server;
  private ManagedChannel channel;
  private SpannerOperationalData data;

  @BeforeEach
  void start() throws IOException {
    String name = "spanner-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(fake).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().usePlaintext().build();
    SpannerOperationalData.Settings settings =
        new SpannerOperationalData.Settings(
            "mlcp-test", List.of("graph-inst"), Duration.ofSeconds(15), 0, 2);
    data =
        new SpannerOperationalData(
            SpannerOperationalData.options(settings)
                .setChannelProvider(
                    FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentials(NoCredentials.getInstance())
                .setBuiltInMetricsEnabled(false)
                .build()
                .getService(),
            settings);
  }

  @AfterEach
  void stop() {
    data.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void a_graph_query_returns_its_rows_with_columns_and_json_values() {
    fake.answer(TRANSFERS, recorded("graph-transfers.json"));

    ResultRows rows = data.graphQuery(DB, new SqlStatement(TRANSFERS, Map.of("id", 7)), 100);

    assertThat(rows.columns())
        .containsExactly(
            new Column("to_account", "INT64", true),
            new Column("amount", "FLOAT64", true),
            new Column("owner", "JSON", true));
    assertThat(rows.rows())
        .containsExactly(
            List.of(20L, 300.5, "{\"id\":2,\"name\":\"Lee\"}"),
            List.of(16L, 100.0, "{\"id\":1,\"name\":\"Alex\"}"));
    assertThat(rows.truncated()).isFalse();
  }

  @Test
  void graph_reads_are_single_use_read_only_at_the_configured_staleness_with_typed_params() {
    fake.answer(TRANSFERS, recorded("graph-transfers.json"));

    data.graphQuery(DB, new SqlStatement(TRANSFERS, Map.of("id", 7)), 100);

    ExecuteSqlRequest sent = fake.requests.get(0);
    assertThat(sent.getSession())
        .startsWith("projects/mlcp-test/instances/graph-inst/databases/fin/");
    TransactionOptions.ReadOnly readOnly = sent.getTransaction().getSingleUse().getReadOnly();
    assertThat(sent.getTransaction().getSingleUse().hasReadOnly()).isTrue();
    assertThat(readOnly.getMaxStaleness().getSeconds()).isEqualTo(15);
    assertThat(sent.getParams().getFieldsMap().get("id").getStringValue()).isEqualTo("7");
    assertThat(sent.getParamTypesMap().get("id").getCode().name()).isEqualTo("INT64");
  }

  @Test
  void paths_come_back_as_arrays_and_rows_beyond_the_limit_are_cut() {
    fake.answer(PATHS, recorded("graph-paths.json"));

    ResultRows rows = data.graphQuery(DB, SqlStatement.of(PATHS), 100);
    ResultRows none = data.graphQuery(DB, SqlStatement.of(PATHS), 0);

    assertThat(rows.rows()).containsExactly(List.of(List.of(7L, 16L, 20L), 2L));
    assertThat(rows.columns().get(0).type()).isEqualTo("ARRAY<INT64>");
    assertThat(none.rows()).isEmpty();
    assertThat(none.truncated()).isTrue();
  }

  @Test
  void a_statement_that_is_not_a_graph_query_is_refused_before_any_request() {
    assertThatThrownBy(() -> data.graphQuery(DB, SqlStatement.of("SELECT 1"), 10))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT));
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void spanner_errors_become_platform_exceptions_of_the_right_kind() {
    fake.fail(
        TRANSFERS,
        Status.PERMISSION_DENIED.withDescription("caller lacks spanner.databases.select"));
    fake.fail(PATHS, Status.INVALID_ARGUMENT.withDescription("Property graph not found: FinGraph"));

    assertThatThrownBy(() -> data.graphQuery(DB, new SqlStatement(TRANSFERS, Map.of("id", 7)), 1))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.PERMISSION_DENIED);
              assertThat(e.getMessage()).contains("spanner.databases.select");
            });
    assertThatThrownBy(() -> data.graphQuery(DB, SqlStatement.of(PATHS), 1))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("Property graph not found");
            });
  }

  /** A recorded PartialResultSet stream (a JSON array of PartialResultSet messages). */
  static List<PartialResultSet> recorded(String resource) {
    try (InputStream in = SpannerGraphQueryTest.class.getResourceAsStream("/spanner/" + resource)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<PartialResultSet> parts = new ArrayList<>();
      for (com.fasterxml.jackson.databind.JsonNode node :
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(text)) {
        PartialResultSet.Builder b = PartialResultSet.newBuilder();
        JsonFormat.parser().merge(node.toString(), b);
        parts.add(b.build());
      }
      return parts;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
