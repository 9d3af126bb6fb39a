package dev.mlcp.experiments.data.api;

import dev.mlcp.experiments.data.BytesCapExceededException;
import dev.mlcp.experiments.data.DataService;
import dev.mlcp.experiments.data.InvalidQueryException;
import dev.mlcp.experiments.data.NotReadOnlyException;
import dev.mlcp.experiments.data.QueryRecord;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.warehouse.RowPage;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code /v1/queries}: dry runs, and read-only queries into a table usable as a training input. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class QueriesResource {
  @Inject DataService data;
  @Inject Caller caller;

  /**
   * A query.
   *
   * @param sql standard SQL
   */
  public record QueryBody(@NotNull String sql) {}

  /**
   * A dry run.
   *
   * @param statementType the warehouse's statement type (SELECT, INSERT, SCRIPT, …)
   * @param readOnly whether {@code POST /v1/queries} would run it (exactly one SELECT)
   * @param bytesProcessed bytes it would scan
   * @param estimatedCostUsd at on-demand prices
   * @param maxBytesBilled the per-query cap
   * @param withinCap whether it is within the cap
   * @param schema the result's columns
   */
  public record DryRunView(
      String statementType,
      boolean readOnly,
      long bytesProcessed,
      double estimatedCostUsd,
      long maxBytesBilled,
      boolean withinCap,
      List<FieldView> schema) {}

  /**
   * A query that ran.
   *
   * @param id its id (the result table's name)
   * @param destination the result as a training input, {@code bq://PROJECT.DATASET.TABLE}
   * @param totalRows rows in the result
   * @param bytesProcessed bytes scanned (the dry run's estimate)
   * @param estimatedCostUsd at on-demand prices
   * @param createdAt when it ran
   * @param schema the result's columns
   * @param rows the first page
   * @param nextPageToken for {@code GET /v1/queries/{id}/results?pageToken=}
   */
  public record QueryView(
      String id,
      String destination,
      long totalRows,
      long bytesProcessed,
      double estimatedCostUsd,
      Instant createdAt,
      List<FieldView> schema,
      List<Map<String, Object>> rows,
      String nextPageToken) {}

  @POST
  @Path("queries:dryRun")
  @Operation(summary = "What a query would scan and cost, and whether it is read-only")
  public DryRunView dryRun(@Valid @NotNull QueryBody body) {
    DataService.Estimate estimate = refusals(() -> data.dryRun(body.sql()));
    return new DryRunView(
        estimate.statementType(),
        estimate.readOnly(),
        estimate.bytesProcessed(),
        estimate.estimatedCostUsd(),
        data.limits().maxBytesBilled(),
        estimate.withinCap(),
        FieldView.of(estimate.schema()));
  }

  @POST
  @Path("queries")
  @Operation(
      summary = "Run a read-only query",
      description =
          "Only a query whose dry run the warehouse classifies as one SELECT runs (no guessing"
              + " from the text); over the per-query bytes cap it is refused. The result goes to a"
              + " table of the scratch dataset, usable as a training run's input (bq://…).")
  public Response query(@Valid @NotNull QueryBody body, @QueryParam("pageSize") Integer pageSize) {
    int size = pageSize(pageSize);
    DataService.Outcome outcome = refusals(() -> data.query(caller.email(), body.sql(), size));
    QueryRecord q = outcome.query();
    RowPage first = outcome.firstPage();
    return Response.created(URI.create("/v1/queries/" + q.id()))
        .entity(
            new QueryView(
                q.id(),
                q.destination(),
                q.totalRows(),
                q.bytesProcessed(),
                outcome.estimatedCostUsd(),
                q.createdAt(),
                FieldView.of(first.schema()),
                first.rows(),
                first.nextPageToken()))
        .build();
  }

  @GET
  @Path("queries/{id: q_[0-9a-z]{26}}/results")
  @Operation(summary = "A page of a query's result (its owner and admins)")
  public RowsView results(
      @PathParam("id") String id,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    QueryRecord q = data.find(id).orElseThrow(() -> new ApiException.NotFound("query", id));
    caller.requireOwnerOrAdmin(q.owner());
    if (pageToken != null && pageToken.length() > 1024) {
      throw new ApiException.BadRequest("pageToken", "is not a token of this result");
    }
    RowPage page;
    try {
      page = data.results(q, pageSize(pageSize), pageToken);
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.INVALID_ARGUMENT) {
        throw new ApiException.BadRequest("pageToken", e.getMessage());
      }
      throw e;
    }
    return new RowsView(FieldView.of(page.schema()), page.rows(), page.nextPageToken());
  }

  private int pageSize(Integer pageSize) {
    int size = pageSize == null ? 100 : pageSize;
    if (size < 1 || size > data.limits().maxPageSize()) {
      throw new ApiException.BadRequest(
          "pageSize", "must be between 1 and " + data.limits().maxPageSize());
    }
    return size;
  }

  private static <T> T refusals(Supplier<T> action) {
    try {
      return action.get();
    } catch (InvalidQueryException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    } catch (NotReadOnlyException | BytesCapExceededException e) {
      throw new ApiException.BadRequest("sql", e.getMessage());
    }
  }
}
