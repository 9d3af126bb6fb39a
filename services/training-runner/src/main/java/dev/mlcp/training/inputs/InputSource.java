package dev.mlcp.training.inputs;

import dev.mlcp.platform.operational.DatabaseRef;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a run's {@code inputs}, parsed: what the agent materializes under {@code
 * /inputs/<n>/}. The URI forms:
 *
 * <ul>
 *   <li>{@code gs://BUCKET[/PREFIX]}: an object or every object under a prefix;
 *   <li>{@code models:/MODEL@ALIAS}, {@code models:/MODEL/N}: a registry model version, resolved at
 *       submit to its immutable URI and SHA-256;
 *   <li>{@code bq://PROJECT.DATASET.TABLE}, {@code bq://PROJECT?query=SELECT…}: BigQuery, exported
 *       server-side to Parquet;
 *   <li>{@code spanner://INSTANCE/DATABASE?table=T}, {@code …?sql=SELECT…}, {@code …?gql=GRAPH g
 *       MATCH…}: Spanner, read in a read-only snapshot.
 * </ul>
 *
 * Query text is percent-decoded ({@code %20}, {@code %3D}); a {@code +} stays a plus.
 */
public sealed interface InputSource {

  /** The URI as the run spec wrote it. */
  String uri();

  /** {@code gs://bucket/prefix}. */
  record Gcs(String uri, String bucket, String prefix) implements InputSource {}

  /** A registry model version by alias ({@code version} null) or by number ({@code alias} null). */
  record Model(String uri, String model, String alias, Integer version) implements InputSource {}

  /** A BigQuery table. */
  record BigQueryTable(String uri, String project, String dataset, String table)
      implements InputSource {}

  /** A BigQuery query, run in {@code project}. */
  record BigQueryQuery(String uri, String project, String sql) implements InputSource {}

  /** A Spanner table. */
  record SpannerTable(String uri, DatabaseRef database, String table) implements InputSource {}

  /** A Spanner SQL or graph ({@code graph}) query. */
  record SpannerQuery(String uri, DatabaseRef database, String sql, boolean graph)
      implements InputSource {}

  /** The forms, for messages. */
  String FORMS =
      "gs://BUCKET/PATH, models:/MODEL@ALIAS, models:/MODEL/N, bq://PROJECT.DATASET.TABLE,"
          + " bq://PROJECT?query=SELECT…, spanner://INSTANCE/DATABASE?table=T|sql=SELECT…|gql=GRAPH…";

  /** Input buckets a run may read: a Credential Access Boundary holds 10 rules, one is staging. */
  Pattern GCS =
      Pattern.compile(
          "gs://([a-z0-9][-_.a-z0-9]{1,220}[a-z0-9])(?:/([^\\x00-\\x1f\\x7f'\"\\\\*?\\[\\]]*))?");

  /** Model names follow run names (GCE names); aliases are label-like. */
  Pattern MODEL =
      Pattern.compile(
          "models:/([a-z]([-a-z0-9]{0,38}[a-z0-9])?)(?:@([a-z][-a-z0-9_]{0,62})|/([1-9][0-9]{0,8}))");

  Pattern BQ_TABLE =
      Pattern.compile(
          "bq://([a-z][-a-z0-9]{4,28}[a-z0-9])\\.([A-Za-z0-9_]{1,1024})\\.([-A-Za-z0-9_$]{1,1024})");
  Pattern BQ_QUERY =
      Pattern.compile("bq://([a-z][-a-z0-9]{4,28}[a-z0-9])\\?query=(.+)", Pattern.DOTALL);
  Pattern SPANNER =
      Pattern.compile("spanner://([^/?]+)/([^/?]+)\\?(table|sql|gql)=(.+)", Pattern.DOTALL);
  Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

  /**
   * Parses one input URI.
   *
   * @throws IllegalArgumentException saying which forms are allowed, or what is wrong
   */
  static InputSource parse(String uri) {
    if (uri == null) {
      throw new IllegalArgumentException("must be one of " + FORMS);
    }
    Matcher m;
    if ((m = GCS.matcher(uri)).matches()) {
      return new Gcs(uri, m.group(1), m.group(2) == null ? "" : m.group(2));
    }
    if ((m = MODEL.matcher(uri)).matches()) {
      return new Model(
          uri, m.group(1), m.group(3), m.group(4) == null ? null : Integer.valueOf(m.group(4)));
    }
    if ((m = BQ_TABLE.matcher(uri)).matches()) {
      return new BigQueryTable(uri, m.group(1), m.group(2), m.group(3));
    }
    if ((m = BQ_QUERY.matcher(uri)).matches()) {
      return new BigQueryQuery(uri, m.group(1), decode(m.group(2)));
    }
    if ((m = SPANNER.matcher(uri)).matches()) {
      DatabaseRef database = new DatabaseRef(m.group(1), m.group(2));
      String value = decode(m.group(4));
      return switch (m.group(3)) {
        case "table" -> {
          if (!TABLE.matcher(value).matches()) {
            throw new IllegalArgumentException("table '" + value + "' is not a Spanner table name");
          }
          yield new SpannerTable(uri, database, value);
        }
        case "gql" -> new SpannerQuery(uri, database, value, true);
        default -> new SpannerQuery(uri, database, value, false);
      };
    }
    throw new IllegalArgumentException("must be one of " + FORMS);
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad percent-encoding in the query: " + e.getMessage());
    }
  }
}
