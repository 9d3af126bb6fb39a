package dev.mlcp.registry.models;

import dev.mlcp.events.Machine;
import dev.mlcp.events.ResourceUse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A version's {@code manifest.json}: where it came from and every file it holds with its checksums.
 * It is written once ({@code ifGenerationMatch=0}) beside the files; the SHA-256 of its bytes is
 * the version's identity, carried by {@code model.registered} and checked by {@code :verify}.
 *
 * @param schema the manifest format, 1
 * @param model the model
 * @param version {@code v<n>}
 * @param uri the version's registry prefix
 * @param createdAt when the version was claimed
 * @param createdBy the identity that requested the run (the CI publisher), as the run recorded it
 * @param owner the run's (and model's) owner
 * @param run the training run
 * @param inputs what the run read
 * @param metrics the final value of each metric in {@code metrics.json}
 * @param copy how the files were copied: {@code stream} (SHA-256 computed while copying) or {@code
 *     server-side} (the store's copy; its CRC32C/MD5 verified against the source's)
 * @param sizeBytes total size of the files
 * @param files every file, in name order
 */
public record Manifest(
    int schema,
    String model,
    String version,
    String uri,
    Instant createdAt,
    String createdBy,
    String owner,
    RunRecord run,
    List<Input> inputs,
    Map<String, Double> metrics,
    String copy,
    long sizeBytes,
    List<File> files) {

  /** The manifest's own object name under the version prefix. */
  public static final String NAME = "manifest.json";

  /**
   * The training run behind a version.
   *
   * @param id run id
   * @param name run name
   * @param attempt the attempt that succeeded
   * @param image the container image as requested
   * @param imageDigest its {@code sha256:} digest when the image was pinned by digest, else null
   * @param command entrypoint override
   * @param args container arguments
   * @param envNames environment variable names (values are not recorded)
   * @param secretNames secret names (never values)
   * @param requestedVia api, pubsub, schedule or follow-up
   * @param requestedBy who requested it
   * @param parentRunId the run whose success started it
   * @param machine the hardware
   * @param zone where it ran
   * @param resourceUse what it consumed
   * @param costEstimateUsd estimated compute cost
   * @param startedAt container start
   * @param finishedAt run end
   * @param labels the run's labels
   */
  public record RunRecord(
      String id,
      String name,
      int attempt,
      String image,
      String imageDigest,
      List<String> command,
      List<String> args,
      List<String> envNames,
      List<String> secretNames,
      String requestedVia,
      String requestedBy,
      String parentRunId,
      Machine machine,
      String zone,
      ResourceUse resourceUse,
      double costEstimateUsd,
      Instant startedAt,
      Instant finishedAt,
      Map<String, String> labels) {}

  /**
   * One input of the run.
   *
   * @param uri as given
   * @param kind {@code gcs}, {@code bigquery}, {@code model-version} (a version of this registry)
   *     or {@code other}
   * @param table the BigQuery table ({@code project.dataset.table}) of a {@code bq://} input
   * @param model the model of a {@code model-version} input
   * @param version its version
   * @param bigqueryJobId the BigQuery job that exported a {@code bq://} input on the VM (derived
   *     from the run, its attempt and the input's position, as the agent names its jobs)
   */
  public record Input(
      String uri, String kind, String table, String model, String version, String bigqueryJobId) {}

  /**
   * One file of the version.
   *
   * @param path relative to the version prefix
   * @param sizeBytes its size
   * @param sha256 hex SHA-256, computed while copying; null for a server-side copy
   * @param crc32c the store's CRC32C (base64), verified against the source's
   * @param md5 the store's MD5 (base64), verified against the source's; null for composite objects
   */
  public record File(String path, long sizeBytes, String sha256, String crc32c, String md5) {}
}
