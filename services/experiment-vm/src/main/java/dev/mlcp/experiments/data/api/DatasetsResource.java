package dev.mlcp.experiments.data.api;

import dev.mlcp.experiments.data.DataService;
import dev.mlcp.experiments.data.InvalidQueryException;
import dev.mlcp.platform.warehouse.TableDetails;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableRows;
import dev.mlcp.web.ApiException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code /v1/datasets}: what data there is, read from metadata (no query, no query cost). */
@Path("/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetsResource {
  private static final String NAME = "[A-Za-z_][A-Za-z0-9_]{0,1023}";

  @Inject DataService data;

  /**
   * The datasets.
   *
   * @param datasets their names
   */
  public record Datasets(List<String> datasets) {}

  /**
   * A dataset's tables.
   *
   * @param dataset the dataset
   * @param tables their names
   */
  public record Tables(String dataset, List<String> tables) {}

  @GET
  @Operation(summary = "List datasets")
  public Datasets datasets() {
    return new Datasets(data.datasets());
  }

  @GET
  @Path("{dataset: " + NAME + "}/tables")
  @Operation(summary = "List a dataset's tables")
  public Tables tables(@PathParam("dataset") String dataset) {
    return new Tables(dataset, data.tables(dataset));
  }

  @GET
  @Path("{dataset: " + NAME + "}/tables/{table: " + NAME + "}")
  @Operation(summary = "A table: schema, rows and size")
  public TableView table(@PathParam("dataset") String dataset, @PathParam("table") String table) {
    return TableView.of(data.table(new TableId(dataset, table)));
  }

  @GET
  @Path("{dataset: " + NAME + "}/tables/{table: " + NAME + "}/preview")
  @Operation(
      summary = "The first rows of a table",
      description = "Read from the table's storage (BigQuery tabledata.list): no query cost.")
  public RowsView preview(
      @PathParam("dataset") String dataset,
      @PathParam("table") String table,
      @QueryParam("limit") Integer limit) {
    try {
      TableRows rows = data.preview(new TableId(dataset, table), limit == null ? 20 : limit);
      return new RowsView(FieldView.of(rows.schema()), rows.rows(), null);
    } catch (InvalidQueryException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    }
  }

  /**
   * A table's metadata.
   *
   * @param dataset its dataset
   * @param table its name
   * @param schema its columns
   * @param numRows rows (null when the warehouse does not say)
   * @param numBytes logical size in bytes (null when the warehouse does not say)
   * @param created creation time
   */
  public record TableView(
      String dataset,
      String table,
      List<FieldView> schema,
      Long numRows,
      Long numBytes,
      Instant created) {
    static TableView of(TableDetails details) {
      return new TableView(
          details.id().dataset(),
          details.id().table(),
          FieldView.of(details.schema()),
          details.numRows(),
          details.numBytes(),
          details.created());
    }
  }
}
