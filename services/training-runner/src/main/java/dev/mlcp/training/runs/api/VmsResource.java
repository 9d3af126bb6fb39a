package dev.mlcp.training.runs.api;

import dev.mlcp.training.runs.VmInventory;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code GET /v1/vms}: the training VMs alive now and whether a live run owns each (admins). */
@Path("/v1/vms")
@Produces(MediaType.APPLICATION_JSON)
public class VmsResource {
  static final int MAX_PAGE_SIZE = 500;

  @Inject VmInventory inventory;
  @Inject Caller caller;

  @GET
  @Operation(
      summary = "Training VMs alive now",
      description =
          "Every VM labelled mlcp-run with its run's state, owner, deadline and cost so far;"
              + " ownerLive=false (with why) marks a VM no live run owns, which the reconciler"
              + " deletes on its next pass. Admins only: VMs of every owner.")
  public VmInventory.Page list(
      @QueryParam("pageSize") Integer pageSize, @QueryParam("pageToken") String pageToken) {
    caller.requireAdmin();
    int size = pageSize == null ? 100 : pageSize;
    if (size < 1 || size > MAX_PAGE_SIZE) {
      throw new ApiException.BadRequest("pageSize", "must be between 1 and " + MAX_PAGE_SIZE);
    }
    if (pageToken != null && (pageToken.isBlank() || pageToken.length() > 1024)) {
      throw new ApiException.BadRequest("pageToken", "is not a token this service issued");
    }
    return inventory.list(size, pageToken);
  }
}
