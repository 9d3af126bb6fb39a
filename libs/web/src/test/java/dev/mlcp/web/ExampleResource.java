package dev.mlcp.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mlcp.web.auth.Roles;
import dev.mlcp.web.validation.GceLabels;
import dev.mlcp.web.validation.GceName;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A resource written the way services write theirs: {@code @Valid} bodies of records with
 * constraint annotations, {@link Caller} for ownership, {@link ApiException} for expected errors.
 */
@Path("/example")
@Produces(MediaType.APPLICATION_JSON)
public class ExampleResource {

  /** A nested body part; its JSON name differs from the Java name on purpose. */
  public record Machine(
      @JsonProperty("machine_type") @NotBlank String machineType, @Min(0) @Max(8) int gpus) {}

  /** One disk of a list, validated element by element. */
  public record Disk(@GceName @NotNull String name, @Min(10) int sizeGb) {}

  /** The request body. */
  public record ExperimentRequest(
      @NotNull @GceName String name,
      @GceLabels Map<String, String> labels,
      @NotNull @Valid Machine machine,
      List<@Valid Disk> disks,
      @Min(1) int count) {}

  @Inject Caller caller;

  @GET
  @Path("/me")
  public Map<String, Object> me() {
    return Map.of("email", caller.email(), "subject", caller.subject(), "admin", caller.admin());
  }

  @POST
  @Path("/experiments")
  @Consumes(MediaType.APPLICATION_JSON)
  public ExperimentRequest create(@Valid @NotNull ExperimentRequest request) {
    return request;
  }

  @GET
  @Path("/zones")
  public List<String> zones(@QueryParam("zone") @GceName String zone) {
    return zone == null ? List.of() : List.of(zone);
  }

  @DELETE
  @Path("/owned/{owner}")
  public void delete(@PathParam("owner") String owner) {
    caller.requireOwnerOrAdmin(owner);
  }

  @GET
  @Path("/admin-only")
  @RolesAllowed(Roles.ADMIN)
  public String adminOnly() {
    return "ok";
  }

  @GET
  @Path("/boom")
  public String boom() {
    throw new IllegalStateException("database password is hunter2");
  }

  @GET
  @Path("/conflict")
  public String conflict() {
    throw new ApiException.Conflict("experiment 'exp-1' already exists");
  }

  @GET
  @Path("/stockout")
  public String stockout() {
    throw new ApiException.Unavailable(
        "zone europe-west4-a has no a2-highgpu-1g capacity right now",
        Duration.ofSeconds(90),
        null);
  }

  @GET
  @Path("/runs/{id}")
  public String run(@PathParam("id") String id) {
    throw new ApiException.NotFound("run", id);
  }

  @GET
  @Path("/stale")
  public String stale() {
    throw new ApiException.PreconditionFailed("run 'run-1' changed since you read it; re-read it");
  }

  @GET
  @Path("/quota")
  public String quota() {
    throw new ApiException.QuotaExceeded(
        "GPUS_ALL_REGIONS quota is exhausted", Duration.ofMinutes(5), null);
  }

  @GET
  @Path("/bad-field")
  public String badField() {
    throw new ApiException.BadRequest("spec.image", "image must be in Artifact Registry");
  }
}
