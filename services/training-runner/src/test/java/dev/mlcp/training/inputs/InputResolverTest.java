package dev.mlcp.training.inputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.operational.Column;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.warehouse.Field;
import dev.mlcp.platform.warehouse.FieldType;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import dev.mlcp.training.inputs.InputRejectedException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputResolverTest {
  static final String OWNER = "ana@example.com";
  static final String OUTPUT = "gs://staging-bucket/staging/run-1/";
  static final String SHA = "c".repeat(64);
  static final DatabaseRef DB = new DatabaseRef("feat-inst", "features");

  @TempDir Path dir;
  DuckDbWarehouse warehouse;
  FakeOperationalData spanner;
  ModelRegistry registry;

  @BeforeEach
  void setUp() {
    warehouse = new DuckDbWarehouse(dir.resolve("w.duckdb"));
    warehouse.insertRows(
        new TableId("sales", "orders"),
        TableSchema.of(
            Field.required("id", FieldType.INT64), Field.nullable("amount", FieldType.FLOAT64)),
        List.of(Map.of("id", 1L, "amount", 2.5)));
    spanner =
        new FakeOperationalData(
            DB,
            Map.of(
                "users",
                List.of(new Column("user_id", "INT64", false)),
                "salaries",
                List.of(new Column("user_id", "INT64", false))));
    ModelRegistry.ModelVersion v3 =
        new ModelRegistry.ModelVersion(
            "iris",
            3,
            "gs://registry-bucket/models/iris/3/",
            SHA,
            List.of(new ModelRegistry.ModelFile("model.json", "d".repeat(64), 120)));
    registry =
        new ModelRegistry() {
          @Override
          public Optional<ModelVersion> byAlias(String model, String alias) {
            return model.equals("iris") && alias.equals("champion")
                ? Optional.of(v3)
                : Optional.empty();
          }

          @Override
          public Optional<ModelVersion> byNumber(String model, int version) {
            return model.equals("iris") && version == 3 ? Optional.of(v3) : Optional.empty();
          }
        };
  }

  InputResolver resolver(List<String> grants) {
    return new InputResolver(
        new InputResolver.Settings(1_000_000, "mlcp-test", Duration.ofSeconds(15), 10),
        registry,
        warehouse,
        spanner,
        new InputGrants(grants),
        "admin@example.com"::equals);
  }

  List<ResolvedInput> resolve(String... inputs) {
    return resolver(List.of()).resolve(OWNER, spec(inputs), OUTPUT);
  }

  static RunSpec spec(String... inputs) {
    return RunSpec.of("train", "europe-docker.pkg.dev/p/r/i:1").withInputs(List.of(inputs));
  }

  @Test
  void a_registry_alias_becomes_the_immutable_uri_with_its_checksums() {
    List<ResolvedInput> plan = resolve("models:/iris@champion", "models:/iris/3");

    assertThat(plan).hasSize(2);
    ResolvedInput alias = plan.get(0);
    assertThat(alias.kind()).isEqualTo("gcs");
    assertThat(alias.source()).isEqualTo("models:/iris@champion");
    assertThat(alias.uri()).isEqualTo("gs://registry-bucket/models/iris/3/");
    assertThat(alias.sha256()).isEqualTo(SHA);
    assertThat(alias.files())
        .extracting(ModelRegistry.ModelFile::path)
        .containsExactly("model.json");
    assertThat(plan.get(1).n()).isEqualTo(1);
  }

  @Test
  void an_unknown_alias_or_version_is_refused_as_not_found_naming_the_input() {
    assertThatThrownBy(() -> resolve("gs://bkt/x", "models:/iris@nope"))
        .isInstanceOfSatisfying(
            InputRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
              assertThat(e.field()).isEqualTo("spec.inputs[1]");
              assertThat(e.detail()).isEqualTo("model iris has no alias nope");
            });
    assertThatThrownBy(() -> resolve("models:/iris/4"))
        .hasMessageContaining("model iris has no version 4");
  }

  @Test
  void model_inputs_without_a_registry_are_refused_saying_so() {
    registry = ModelRegistry.NONE;
    assertThatThrownBy(() -> resolve("models:/iris@champion"))
        .isInstanceOfSatisfying(
            InputRejectedException.class,
            e -> assertThat(e.detail()).contains("mlcp.training.registry-url"));
  }

  @Test
  void a_bigquery_table_is_checked_and_planned_as_an_export_under_the_runs_reserved_prefix() {
    ResolvedInput in = resolve("gs://bkt/x", "bq://mlcp-test.sales.orders").get(1);

    assertThat(in.kind()).isEqualTo("bigquery");
    assertThat(in.table()).isEqualTo("mlcp-test.sales.orders");
    assertThat(in.exportUri()).isEqualTo(OUTPUT + "_mlcp/inputs/1/");
    assertThatThrownBy(() -> resolve("bq://mlcp-test.sales.missing"))
        .isInstanceOfSatisfying(
            InputRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
  }

  @Test
  void a_bigquery_query_must_be_a_select_within_the_bytes_cap() {
    ResolvedInput in =
        resolve("bq://mlcp-test?query=SELECT%20id%2C%20amount%20FROM%20sales.orders").get(0);
    assertThat(in.query()).isEqualTo("SELECT id, amount FROM sales.orders");
    assertThat(in.maxBytesBilled()).isEqualTo(1_000_000);

    for (String dml :
        List.of(
            "bq://mlcp-test?query=DELETE FROM sales.orders WHERE true",
            "bq://mlcp-test?query=DROP TABLE sales.orders",
            "bq://mlcp-test?query=SELECT 1; DELETE FROM sales.orders WHERE true")) {
      assertThatThrownBy(() -> resolve(dml))
          .as(dml)
          .isInstanceOfSatisfying(
              InputRejectedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.INVALID);
                assertThat(e.field()).isEqualTo("spec.inputs[0]");
              });
    }
    assertThatThrownBy(() -> resolve("bq://mlcp-test?query=SELECT * FROM sales.nope"))
        .isInstanceOfSatisfying(
            InputRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
  }

  @Test
  void a_query_whose_dry_run_scans_more_than_the_cap_is_refused() {
    InputResolver tight =
        new InputResolver(
            new InputResolver.Settings(1_000_000, "mlcp-test", Duration.ofSeconds(15), 10),
            registry,
            new ScanningWarehouse(warehouse, 5_000_000),
            spanner,
            new InputGrants(List.of()),
            e -> false);

    assertThatThrownBy(
            () -> tight.resolve(OWNER, spec("bq://mlcp-test?query=SELECT 1 AS n"), OUTPUT))
        .hasMessageContaining("would scan 5000000 bytes; an input query may bill at most 1000000");
  }

  @Test
  void spanner_tables_and_queries_are_validated_and_planned_as_read_only_snapshots() {
    List<ResolvedInput> plan =
        resolve(
            "spanner://feat-inst/features?table=users",
            "spanner://feat-inst/features?sql=SELECT%20COUNT(*)%20AS%20n%20FROM%20users",
            "spanner://feat-inst/features?gql=GRAPH g MATCH (a)-[t]->(b) RETURN b.id");

    assertThat(plan.get(0).sql()).isEqualTo("SELECT * FROM `users`");
    assertThat(plan.get(0).maxStaleness()).isEqualTo("15000ms");
    assertThat(plan.get(0).project()).isEqualTo("mlcp-test");
    assertThat(plan.get(1).sql()).isEqualTo("SELECT COUNT(*) AS n FROM users");
    assertThat(plan.get(2).sql()).startsWith("GRAPH g MATCH");
    assertThat(spanner.validated).hasSize(2);
  }

  @Test
  void spanner_dml_a_missing_table_or_database_and_mixed_up_query_kinds_are_refused() {
    assertThatThrownBy(
            () -> resolve("spanner://feat-inst/features?sql=DELETE FROM users WHERE true"))
        .isInstanceOfSatisfying(
            InputRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID));
    assertThat(spanner.validated).isEmpty();
    assertThatThrownBy(() -> resolve("spanner://feat-inst/features?table=orders"))
        .isInstanceOfSatisfying(
            InputRejectedException.class,
            e ->
                assertThat(e.detail())
                    .isEqualTo("database feat-inst/features has no table orders"));
    assertThatThrownBy(() -> resolve("spanner://feat-inst/other?table=users"))
        .isInstanceOfSatisfying(
            InputRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
    assertThatThrownBy(
            () -> resolve("spanner://feat-inst/features?sql=SELECT x FROM missing_table"))
        .isInstanceOfSatisfying(
            InputRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID));
    assertThatThrownBy(() -> resolve("spanner://feat-inst/features?gql=SELECT 1"))
        .hasMessageContaining("gql= takes a graph query");
  }

  @Test
  void a_caller_without_a_grant_for_the_table_is_refused_and_an_admin_is_not() {
    InputResolver guarded =
        resolver(
            List.of(
                "spanner://feat-inst/features/users=*@example.com",
                "spanner://feat-inst/features/salaries=hr@example.com",
                "bq://mlcp-test.sales=ana@example.com"));

    assertThat(guarded.resolve(OWNER, spec("spanner://feat-inst/features?table=users"), OUTPUT))
        .hasSize(1);
    assertThat(guarded.resolve(OWNER, spec("bq://mlcp-test.sales.orders"), OUTPUT)).hasSize(1);
    assertThatThrownBy(
            () ->
                guarded.resolve(OWNER, spec("spanner://feat-inst/features?table=salaries"), OUTPUT))
        .isInstanceOfSatisfying(
            InputRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.FORBIDDEN);
              assertThat(e.detail())
                  .isEqualTo(
                      "ana@example.com may not read spanner://feat-inst/features/salaries"
                          + " (mlcp.training.inputs.grants)");
            });
    assertThatThrownBy(() -> guarded.resolve(OWNER, spec("gs://other/x"), OUTPUT))
        .isInstanceOf(InputRejectedException.class);
    assertThat(
            guarded.resolve(
                "admin@example.com", spec("spanner://feat-inst/features?table=salaries"), OUTPUT))
        .hasSize(1);
  }

  @Test
  void sources_parse_into_their_kinds_and_bad_ones_say_which_forms_exist() {
    assertThat(InputSource.parse("gs://bkt")).isInstanceOf(InputSource.Gcs.class);
    assertThat(InputSource.parse("spanner://i1/db?sql=SELECT 1+1"))
        .isInstanceOfSatisfying(
            InputSource.SpannerQuery.class, q -> assertThat(q.sql()).isEqualTo("SELECT 1+1"));
    assertThatThrownBy(() -> InputSource.parse("s3://bucket/x"))
        .hasMessageContaining("models:/MODEL@ALIAS");
    assertThatThrownBy(() -> InputSource.parse("spanner://I/db?table=t"))
        .hasMessageContaining("invalid instance id");
    assertThatThrownBy(() -> InputSource.parse("spanner://inst/db?table=a;b"))
        .hasMessageContaining("is not a Spanner table name");
  }
}
