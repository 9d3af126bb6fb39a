package dev.mlcp.experiments.operational.api;

import dev.mlcp.experiments.operational.OperationalBrowser;
import dev.mlcp.platform.operational.DatabaseRef;
import dev.mlcp.platform.operational.ResultRows;
import dev.mlcp.platform.operational.TableInfo;
import dev.mlcp.web.ApiException;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Read-only Spanner browsing next to BigQuery: databases of the configured instances ({@code
 * mlcp.spanner.instances}), tables with schemas, previews and read-only SQL or graph queries. Any
 * authenticated caller may read (the service's identity holds the database reader role; nothing
 * here writes). Bad input (ids, statements that are not one read-only query, row limits) is 400; an
 * unknown database or table is 404.
 */
@Path("/v1/spanner")
@Produces(MediaType.APPLICATION_JSON)
public class SpannerResource {
  @Inject OperationalBrowser browser;

  /** The databases. */
  public record Databases(List<DatabaseRef> databases) {}

  /** A database's tables. */
  public record Tables(List<TableInfo> tables) {}

  @GET
  @Path("/databases")
  public Databases databases() {
    return new Databases(browser.databases());
  }

  @GET
  @Path("/databases/{instance}/{database}/tables")
  public Tables tables(
      @PathParam("instance") String instance, @PathParam("database") String database) {
    return badInput("database", () -> new Tables(browser.tables(instance, database)));
  }

  @GET
  @Path("/databases/{instance}/{database}/tables/{table}:preview")
  public ResultRows preview(
      @PathParam("instance") String instance,
      @PathParam("database") String database,
      @PathParam("table") String table,
      @QueryParam("maxRows") @DefaultValue("100") int maxRows) {
    return badInput("maxRows", () -> browser.preview(instance, database, table, maxRows));
  }

  @POST
  @Path("/queries")
  @Consumes(MediaType.APPLICATION_JSON)
  public ResultRows query(@Valid @NotNull QueryRequest request) {
    return badInput(
        "sql",
        () ->
            browser.query(
                request.instance(),
                request.database(),
                request.sql(),
                request.params(),
                request.maxRows() == null ? OperationalBrowser.DEFAULT_ROWS : request.maxRows()));
  }

  /** Runs {@code call}; its IllegalArgumentException is the caller's bad input on {@code field}. */
  private static <T> T badInput(String field, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (IllegalArgumentException e) {
      throw new ApiException.BadRequest(field, e.getMessage());
    }
  }
}
