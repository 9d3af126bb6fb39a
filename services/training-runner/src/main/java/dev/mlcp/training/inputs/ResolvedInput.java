package dev.mlcp.training.inputs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One input as the VM agent executes it (metadata {@code mlcp-input-plan}, infra/vm/README.md):
 * resolved and validated at submit, so the agent only downloads, exports or reads. Fields not used
 * by a kind are null (and left out of the JSON).
 *
 * @param n position in the run's inputs; materialized under {@code /inputs/<n>/}
 * @param source the URI as the run spec wrote it
 * @param kind {@code gcs}, {@code bigquery} or {@code spanner}
 * @param uri gcs: the {@code gs://} object or prefix to download
 * @param sha256 gcs from the registry: the version's SHA-256
 * @param files gcs from the registry: each file with its SHA-256, verified after download
 * @param project bigquery: the project the job runs in; spanner: the instance's project
 * @param table bigquery: {@code project.dataset.table} to extract
 * @param query bigquery: the SELECT to export
 * @param maxBytesBilled bigquery query: the job's bytes-billed cap
 * @param exportUri bigquery: where the job writes Parquet before the agent downloads it
 * @param instance spanner: instance id
 * @param database spanner: database id
 * @param sql spanner: the read-only statement (a table becomes {@code SELECT * FROM `t`})
 * @param maxStaleness spanner: the snapshot's staleness bound, e.g. {@code 15s}
 * @param format spanner: the file format written ({@code jsonl})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResolvedInput(
    int n,
    String source,
    String kind,
    String uri,
    String sha256,
    List<ModelRegistry.ModelFile> files,
    String project,
    String table,
    String query,
    Long maxBytesBilled,
    String exportUri,
    String instance,
    String database,
    String sql,
    String maxStaleness,
    String format) {

  /** A Cloud Storage object or prefix. */
  public static ResolvedInput gcs(int n, String source, String uri) {
    return new ResolvedInput(
        n, source, "gcs", uri, null, null, null, null, null, null, null, null, null, null, null,
        null);
  }

  /** A registry model version: its files, each verified against its SHA-256. */
  public static ResolvedInput model(int n, String source, ModelRegistry.ModelVersion version) {
    return new ResolvedInput(
        n,
        source,
        "gcs",
        version.uri(),
        version.sha256(),
        version.files(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A BigQuery table or query ({@code table} or {@code query} set), exported to Parquet. */
  public static ResolvedInput bigquery(
      int n,
      String source,
      String project,
      String table,
      String query,
      Long maxBytesBilled,
      String exportUri) {
    return new ResolvedInput(
        n,
        source,
        "bigquery",
        null,
        null,
        null,
        project,
        table,
        query,
        maxBytesBilled,
        exportUri,
        null,
        null,
        null,
        null,
        null);
  }

  /** A Spanner read (a table read is {@code SELECT * FROM `t`}), written as JSON Lines. */
  public static ResolvedInput spanner(
      int n,
      String source,
      String project,
      String instance,
      String database,
      String sql,
      String maxStaleness) {
    return new ResolvedInput(
        n,
        source,
        "spanner",
        null,
        null,
        null,
        project,
        null,
        null,
        null,
        null,
        instance,
        database,
        sql,
        maxStaleness,
        "jsonl");
  }
}
