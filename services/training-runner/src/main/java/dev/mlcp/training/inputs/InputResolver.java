package dev.mlcp.training.inputs;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.OperationalData;
import dev.mlcp.platform.operational.ReadOnlySql;
import dev.mlcp.platform.operational.SqlStatement;
import dev.mlcp.platform.operational.TableInfo;
import dev.mlcp.platform.warehouse.DryRun;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.Warehouse;
import dev.mlcp.training.inputs.InputRejectedException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Resolves and validates a run's inputs at submit, on the owner's behalf, into the plan the VM
 * agent executes ({@link ResolvedInput}): registry aliases become an immutable URI with the
 * version's SHA-256 and file checksums; BigQuery queries must be a SELECT whose dry run stays under
 * the bytes-billed cap; Spanner tables must exist and Spanner queries must plan as read-only. Every
 * refusal is an {@link InputRejectedException} naming {@code spec.inputs[i]}; an unreachable
 * backend is a TRANSIENT {@link PlatformException} (503, retried).
 */
public final class InputResolver {

  /**
   * Settings.
   *
   * @param maxBytesBilled cap on what one BigQuery query input may scan (its dry run) and bill
   * @param spannerProject project of the Spanner instances inputs name
   * @param spannerMaxStaleness the snapshot staleness bound of Spanner inputs
   * @param maxModelFiles files a model version input may have (each travels in VM metadata)
   */
  public record Settings(
      long maxBytesBilled,
      String spannerProject,
      Duration spannerMaxStaleness,
      int maxModelFiles) {}

  /** Where a BigQuery export goes under a run's output prefix (the agent's reserved directory). */
  static final String EXPORT_DIR = "_mlcp/inputs/";

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern FILE_PATH =
      Pattern.compile("[^\\x00-\\x1f\\x7f/][^\\x00-\\x1f\\x7f]{0,1023}");

  private final Settings settings;
  private final ModelRegistry registry;
  private final Warehouse warehouse;
  private final OperationalData operational;
  private final InputGrants grants;
  private final Predicate<String> isAdmin;

  public InputResolver(
      Settings settings,
      ModelRegistry registry,
      Warehouse warehouse,
      OperationalData operational,
      InputGrants grants,
      Predicate<String> isAdmin) {
    this.settings = settings;
    this.registry = registry;
    this.warehouse = warehouse;
    this.operational = operational;
    this.grants = grants;
    this.isAdmin = isAdmin;
  }

  /**
   * The plan of {@code spec}'s inputs for a run writing to {@code outputUri}.
   *
   * @throws InputRejectedException for the first input that cannot be used
   */
  public List<ResolvedInput> resolve(String owner, RunSpec spec, String outputUri) {
    boolean admin = isAdmin.test(owner);
    List<ResolvedInput> plan = new ArrayList<>();
    for (int n = 0; n < spec.inputs().size(); n++) {
      String field = "spec.inputs[" + n + "]";
      String uri = spec.inputs().get(n);
      InputSource source;
      try {
        source = InputSource.parse(uri);
      } catch (IllegalArgumentException e) {
        throw new InputRejectedException(Reason.INVALID, field, e.getMessage());
      }
      if (!grants.mayRead(access(source), owner, admin)) {
        throw new InputRejectedException(
            Reason.FORBIDDEN,
            field,
            owner + " may not read " + access(source) + " (mlcp.training.inputs.grants)");
      }
      plan.add(resolve(n, field, source, outputUri));
    }
    return plan;
  }

  /** What access is checked on: the model, not its alias; the table or database, not the SQL. */
  static String access(InputSource source) {
    if (source instanceof InputSource.Model m) {
      return "models:/" + m.model();
    }
    if (source instanceof InputSource.SpannerTable t) {
      return "spanner://" + t.database() + "/" + t.table();
    }
    if (source instanceof InputSource.SpannerQuery q) {
      return "spanner://" + q.database();
    }
    if (source instanceof InputSource.BigQueryQuery q) {
      return "bq://" + q.project();
    }
    return source.uri();
  }

  private ResolvedInput resolve(int n, String field, InputSource source, String outputUri) {
    if (source instanceof InputSource.Model m) {
      return model(n, field, m);
    }
    if (source instanceof InputSource.BigQueryTable t) {
      return bigQueryTable(n, field, t, outputUri);
    }
    if (source instanceof InputSource.BigQueryQuery q) {
      return bigQueryQuery(n, field, q, outputUri);
    }
    if (source instanceof InputSource.SpannerTable t) {
      return spannerTable(n, field, t);
    }
    if (source instanceof InputSource.SpannerQuery q) {
      return spannerQuery(n, field, q);
    }
    return ResolvedInput.gcs(n, source.uri(), source.uri());
  }

  private ResolvedInput model(int n, String field, InputSource.Model m) {
    Optional<ModelRegistry.ModelVersion> found;
    try {
      found =
          m.alias() != null
              ? registry.byAlias(m.model(), m.alias())
              : registry.byNumber(m.model(), m.version());
    } catch (IllegalStateException e) {
      throw new InputRejectedException(Reason.INVALID, field, e.getMessage());
    }
    ModelRegistry.ModelVersion version =
        found.orElseThrow(
            () ->
                new InputRejectedException(
                    Reason.NOT_FOUND,
                    field,
                    m.alias() != null
                        ? "model " + m.model() + " has no alias " + m.alias()
                        : "model " + m.model() + " has no version " + m.version()));
    if (version.uri() == null
        || !InputSource.GCS.matcher(version.uri()).matches()
        || version.sha256() == null
        || !SHA256.matcher(version.sha256()).matches()) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT,
          "registryAnswer",
          "the registry answered model " + m.model() + " without a gs:// URI and SHA-256");
    }
    if (version.files().isEmpty() || version.files().size() > settings.maxModelFiles()) {
      throw new InputRejectedException(
          Reason.INVALID,
          field,
          "model "
              + m.model()
              + " version "
              + version.version()
              + " has "
              + version.files().size()
              + " files; a run input takes 1 to "
              + settings.maxModelFiles());
    }
    for (ModelRegistry.ModelFile f : version.files()) {
      if (f.path() == null
          || !FILE_PATH.matcher(f.path()).matches()
          || f.path().contains("..")
          || f.sha256() == null
          || !SHA256.matcher(f.sha256()).matches()
          || f.size() < 0) {
        throw new PlatformException(
            PlatformException.Kind.TRANSIENT,
            "registryAnswer",
            "the registry's manifest of " + m.model() + " lists a file without path or SHA-256");
      }
    }
    return ResolvedInput.model(n, m.uri(), version);
  }

  private ResolvedInput bigQueryTable(
      int n, String field, InputSource.BigQueryTable t, String outputUri) {
    TableId id;
    try {
      id = new TableId(t.dataset(), t.table());
    } catch (IllegalArgumentException e) {
      throw new InputRejectedException(Reason.INVALID, field, e.getMessage());
    }
    try {
      warehouse.schema(id);
    } catch (PlatformException e) {
      throw rejected(field, e, "table " + t.project() + "." + id);
    }
    return ResolvedInput.bigquery(
        n, t.uri(), t.project(), t.project() + "." + id, null, null, exportUri(outputUri, n));
  }

  private ResolvedInput bigQueryQuery(
      int n, String field, InputSource.BigQueryQuery q, String outputUri) {
    requireSelect(field, q.sql());
    DryRun dry;
    try {
      dry = warehouse.dryRun(q.sql());
    } catch (PlatformException e) {
      throw rejected(field, e, "the query");
    }
    if (dry.bytesProcessed() > settings.maxBytesBilled()) {
      throw new InputRejectedException(
          Reason.INVALID,
          field,
          "the query would scan "
              + dry.bytesProcessed()
              + " bytes; an input query may bill at most "
              + settings.maxBytesBilled()
              + " (mlcp.training.inputs.max-bytes-billed)");
    }
    return ResolvedInput.bigquery(
        n, q.uri(), q.project(), null, q.sql(), settings.maxBytesBilled(), exportUri(outputUri, n));
  }

  private ResolvedInput spannerTable(int n, String field, InputSource.SpannerTable t) {
    List<TableInfo> tables;
    try {
      tables = operational.listTables(t.database());
    } catch (PlatformException e) {
      throw rejected(field, e, "database " + t.database());
    }
    if (tables.stream().noneMatch(info -> info.name().equals(t.table()))) {
      throw new InputRejectedException(
          Reason.NOT_FOUND, field, "database " + t.database() + " has no table " + t.table());
    }
    return spanner(n, t.uri(), t.database(), "SELECT * FROM `" + t.table() + "`");
  }

  private ResolvedInput spannerQuery(int n, String field, InputSource.SpannerQuery q) {
    requireSelect(field, q.sql());
    SqlStatement statement;
    try {
      statement = SqlStatement.of(q.sql());
    } catch (IllegalArgumentException e) {
      throw new InputRejectedException(Reason.INVALID, field, e.getMessage());
    }
    if (q.graph() != statement.isGraph()) {
      throw new InputRejectedException(
          Reason.INVALID,
          field,
          q.graph()
              ? "gql= takes a graph query: GRAPH <name> MATCH …"
              : "sql= takes SQL; use gql= for GRAPH …");
    }
    try {
      operational.validate(q.database(), statement);
    } catch (PlatformException e) {
      throw rejected(field, e, "the query on " + q.database());
    }
    return spanner(n, q.uri(), q.database(), q.sql());
  }

  private ResolvedInput spanner(int n, String source, DatabaseRef db, String sql) {
    return ResolvedInput.spanner(
        n,
        source,
        settings.spannerProject(),
        db.instance(),
        db.database(),
        sql,
        settings.spannerMaxStaleness().toMillis() + "ms");
  }

  private static void requireSelect(String field, String sql) {
    try {
      ReadOnlySql.require(sql);
    } catch (IllegalArgumentException e) {
      throw new InputRejectedException(Reason.INVALID, field, e.getMessage());
    }
  }

  /** A backend's refusal as the caller's 4xx; unavailability stays a (retried) 503. */
  private static RuntimeException rejected(String field, PlatformException e, String what) {
    return switch (e.kind()) {
      case NOT_FOUND ->
          new InputRejectedException(
              Reason.NOT_FOUND, field, what + " does not exist: " + e.getMessage());
      case INVALID_ARGUMENT ->
          new InputRejectedException(
              Reason.INVALID, field, what + " is not valid: " + e.getMessage());
      case PERMISSION_DENIED ->
          new InputRejectedException(
              Reason.FORBIDDEN, field, "training cannot read " + what + ": " + e.getMessage());
      default -> e;
    };
  }

  private static String exportUri(String outputUri, int n) {
    String base = outputUri.endsWith("/") ? outputUri : outputUri + "/";
    return base + EXPORT_DIR + n + "/";
  }
}
