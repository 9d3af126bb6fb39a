package dev.mlcp.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.logging.Logger;

/**
 * Loads local mode's sample operational data into the Spanner emulator (through its REST gateway):
 * instance {@value #INSTANCE}, database {@value #DATABASE} with {@code training_examples} (a
 * labelled set the demo trains on, read by the VM agent as JSON Lines) and {@code user_features}
 * (per-user features a model server looks up). Deterministic (seeded), and idempotent: an existing
 * database is left as it is.
 *
 * <p>Usage: {@code SpannerSeed <emulator REST url, e.g. http://127.0.0.1:8105/v1> <project>}
 */
public final class SpannerSeed {
  private static final Logger LOG = Logger.getLogger(SpannerSeed.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The local instance; services list its databases ({@code mlcp.spanner.instances}). */
  public static final String INSTANCE = "mlcp-local";

  /** The sample database. */
  public static final String DATABASE = "features";

  /** Rows of {@code training_examples}. */
  static final int EXAMPLES = 600;

  /** Rows of {@code user_features}. */
  static final int USERS = 50;

  static final List<String> DDL =
      List.of(
          "CREATE TABLE training_examples (example_id INT64 NOT NULL, x0 FLOAT64, x1 FLOAT64,"
              + " x2 FLOAT64, x3 FLOAT64, label INT64 NOT NULL) PRIMARY KEY (example_id)",
          "CREATE TABLE user_features (user_id INT64 NOT NULL, country STRING(2),"
              + " purchases_30d INT64, avg_basket FLOAT64, last_seen TIMESTAMP)"
              + " PRIMARY KEY (user_id)");

  private final String rest;
  private final String project;
  private final HttpClient http = HttpClient.newHttpClient();

  SpannerSeed(String rest, String project) {
    this.rest = rest.replaceAll("/+$", "");
    this.project = project;
  }

  /** Entry point; exits non-zero with a message when the emulator cannot be seeded. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: SpannerSeed <emulator REST url> <project>");
    }
    new SpannerSeed(args[0], args[1]).seed();
  }

  /** Creates the instance, the database and its rows unless the database exists. */
  boolean seed() throws IOException, InterruptedException {
    String instances = "/projects/" + project + "/instances";
    ObjectNode instance = JSON.createObjectNode().put("instanceId", INSTANCE);
    instance
        .putObject("instance")
        .put("config", "emulator-config")
        .put("displayName", "mlcp local")
        .put("nodeCount", 1);
    call(instances, instance, 409);
    String db = instances + "/" + INSTANCE + "/databases";
    ObjectNode create =
        JSON.createObjectNode().put("createStatement", "CREATE DATABASE `" + DATABASE + "`");
    ArrayNode extra = create.putArray("extraStatements");
    DDL.forEach(extra::add);
    if (call(db, create, 409) == 409) {
      LOG.info("database " + INSTANCE + "/" + DATABASE + " exists; left as it is");
      return false;
    }
    String session =
        post(db + "/" + DATABASE + "/sessions", JSON.createObjectNode()).path("name").asText();
    ObjectNode commit = JSON.createObjectNode();
    commit.putObject("singleUseTransaction").putObject("readWrite");
    ArrayNode mutations = commit.putArray("mutations");
    mutations.add(
        insert(
            "training_examples",
            List.of("example_id", "x0", "x1", "x2", "x3", "label"),
            examples()));
    mutations.add(
        insert(
            "user_features",
            List.of("user_id", "country", "purchases_30d", "avg_basket", "last_seen"),
            users()));
    post("/" + session + ":commit", commit);
    LOG.info(
        "seeded "
            + INSTANCE
            + "/"
            + DATABASE
            + ": training_examples ("
            + EXAMPLES
            + " rows), user_features ("
            + USERS
            + " rows)");
    return true;
  }

  /** A linearly separable-ish labelled set: label = [w·x + noise > 0]. */
  static ArrayNode examples() {
    Random random = new Random(7);
    double[] w = {1.5, -2.0, 0.7, 0.0};
    ArrayNode rows = JSON.createArrayNode();
    for (int i = 0; i < EXAMPLES; i++) {
      ArrayNode row = rows.addArray();
      row.add(Integer.toString(i + 1));
      double z = random.nextGaussian() * 0.5;
      for (double wi : w) {
        double x = Math.round(random.nextGaussian() * 1000) / 1000.0;
        row.add(x);
        z += wi * x;
      }
      row.add(z > 0 ? "1" : "0");
    }
    return rows;
  }

  static ArrayNode users() {
    Random random = new Random(11);
    String[] countries = {"NL", "DE", "FR", "US", "JP"};
    ArrayNode rows = JSON.createArrayNode();
    for (int i = 0; i < USERS; i++) {
      ArrayNode row = rows.addArray();
      row.add(Integer.toString(1000 + i));
      row.add(countries[i % countries.length]);
      row.add(Integer.toString(random.nextInt(40)));
      row.add(Math.round(random.nextDouble() * 12000) / 100.0);
      row.add(String.format("2026-11-%02dT12:00:00Z", 1 + i % 28));
    }
    return rows;
  }

  private static ObjectNode insert(String table, List<String> columns, ArrayNode values) {
    ObjectNode mutation = JSON.createObjectNode();
    ObjectNode insert = mutation.putObject("insert").put("table", table);
    ArrayNode cols = insert.putArray("columns");
    columns.forEach(cols::add);
    insert.set("values", values);
    return mutation;
  }

  private JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
    HttpResponse<String> answer = send(path, body);
    if (answer.statusCode() != 200) {
      throw new IllegalStateException("Spanner emulator " + path + ": " + answer.body());
    }
    return JSON.readTree(answer.body());
  }

  /** POSTs; returns the status, which must be 200 or {@code tolerated}. */
  private int call(String path, JsonNode body, int tolerated)
      throws IOException, InterruptedException {
    HttpResponse<String> answer = send(path, body);
    if (answer.statusCode() != 200 && answer.statusCode() != tolerated) {
      throw new IllegalStateException("Spanner emulator " + path + ": " + answer.body());
    }
    return answer.statusCode();
  }

  private HttpResponse<String> send(String path, JsonNode body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(rest + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
