package dev.mlcp.registry.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mlcp.events.RunEvent;
import dev.mlcp.events.RunProvenance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds, writes and reads {@link Manifest}s. */
public final class Manifests {
  private static final Pattern DIGEST = Pattern.compile(".*@(sha256:[a-f0-9]{64})$");
  private static final Pattern BQ = Pattern.compile("bq://(.+)");

  private Manifests() {}

  /**
   * The manifest's mapper: the service's (java.time as ISO strings), with properties and map keys
   * sorted and indented, so the bytes of one manifest are the same wherever they are written.
   */
  public static ObjectMapper mapper(ObjectMapper base) {
    return base.copy()
        .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
        .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
        .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
        .configure(SerializationFeature.INDENT_OUTPUT, true);
  }

  /** The manifest of {@code version}, claimed by registration {@code r}, holding {@code files}. */
  public static Manifest of(
      Registration r,
      ModelVersion version,
      List<Manifest.File> files,
      long sizeBytes,
      RegistrySettings.CopyMode mode,
      RegistrySettings settings) {
    RunEvent.Succeeded run = r.run();
    RunProvenance p = run.provenance();
    Manifest.RunRecord record =
        new Manifest.RunRecord(
            run.runId(),
            run.name(),
            run.attempt(),
            run.image(),
            digestOf(run.image()),
            p == null ? List.of() : p.command(),
            p == null ? List.of() : p.args(),
            p == null ? List.of() : p.envNames(),
            p == null ? List.of() : p.secretNames(),
            p == null ? null : p.requestedVia(),
            p == null ? null : p.requestedBy(),
            p == null ? null : p.parentRunId(),
            run.machine(),
            p == null ? null : p.zone(),
            run.resourceUse(),
            run.costEstimateUsd(),
            run.startedAt(),
            run.finishedAt(),
            new TreeMap<>(run.labels()));
    List<Manifest.Input> inputs = new ArrayList<>();
    if (p != null) {
      for (int n = 0; n < p.inputs().size(); n++) {
        inputs.add(
            input(p.inputs().get(n), settings, bigQueryJobId(run.runId(), run.attempt(), n)));
      }
    }
    return new Manifest(
        1,
        version.model(),
        version.name(),
        version.uri(),
        version.createdAt(),
        p == null ? null : p.requestedBy(),
        r.owner(),
        record,
        inputs,
        new TreeMap<>(r.metrics()),
        mode.wireName(),
        sizeBytes,
        files);
  }

  /**
   * The id of the BigQuery job the VM agent exported input {@code n} of attempt {@code attempt}
   * with: it names its jobs {@code mlcp-<run>-a<attempt>-in<n>} (characters BigQuery refuses
   * replaced by {@code _}), so the registry derives the id rather than trusting a claim of it.
   */
  static String bigQueryJobId(String runId, int attempt, int n) {
    return ("mlcp-" + runId + "-a" + attempt + "-in" + n).replaceAll("[^A-Za-z0-9_-]", "_");
  }

  /** What an input URI is: a version of this registry, a GCS object, a BigQuery table. */
  public static Manifest.Input input(String uri, RegistrySettings settings) {
    return input(uri, settings, null);
  }

  /**
   * What an input URI is; a BigQuery input (table or query) also gets {@code jobId}, the export job
   * that read it.
   */
  static Manifest.Input input(String uri, RegistrySettings settings, String jobId) {
    String models = settings.root().resolve("models/").toString();
    if (uri.startsWith(models)) {
      String[] parts = uri.substring(models.length()).split("/");
      if (parts.length >= 3 && parts[1].equals("versions") && Names.version(parts[2]).isPresent()) {
        return new Manifest.Input(
            uri,
            "model-version",
            null,
            parts[0],
            Names.versionName(Names.version(parts[2]).get()),
            null);
      }
    }
    if (uri.startsWith("gs://")) {
      return new Manifest.Input(uri, "gcs", null, null, null, null);
    }
    Matcher bq = BQ.matcher(uri);
    if (bq.matches()) {
      // bq://PROJECT.DATASET.TABLE names a table; bq://PROJECT?query=… a query (no table).
      String table = bq.group(1).contains("?") ? null : bq.group(1);
      return new Manifest.Input(uri, "bigquery", table, null, null, jobId);
    }
    return new Manifest.Input(uri, "other", null, null, null, null);
  }

  /** The {@code sha256:…} digest an image reference is pinned to, or null. */
  public static String digestOf(String image) {
    if (image == null) {
      return null;
    }
    Matcher m = DIGEST.matcher(image);
    return m.matches() ? m.group(1) : null;
  }

  /** The manifest's bytes. */
  public static byte[] bytes(ObjectMapper mapper, Manifest manifest) {
    try {
      return mapper.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a manifest", e);
    }
  }

  /** Reads a stored manifest. */
  public static Manifest parse(ObjectMapper mapper, byte[] bytes) {
    try {
      return mapper.readValue(bytes, Manifest.class);
    } catch (IOException e) {
      throw new UncheckedIOException("a stored manifest.json cannot be read", e);
    }
  }

  /** The manifest's files by path. */
  public static Map<String, Manifest.File> byPath(Manifest manifest) {
    Map<String, Manifest.File> out = new TreeMap<>();
    manifest.files().forEach(f -> out.put(f.path(), f));
    return out;
  }
}
