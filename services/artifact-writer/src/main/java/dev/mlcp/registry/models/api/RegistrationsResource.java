package dev.mlcp.registry.models.api;

import dev.mlcp.registry.models.Registration;
import dev.mlcp.registry.models.RegistryRepository;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code /v1/registrations/{runId}}: what became of a run's outputs (a version, or why not). */
@Path("/v1/registrations")
@Produces(MediaType.APPLICATION_JSON)
public class RegistrationsResource {
  @Inject RegistryRepository repo;
  @Inject Caller caller;

  @GET
  @Path("{runId: run-[0-9a-z]{26}}")
  @Operation(summary = "The registration of a run's outputs: its version, or why it was rejected")
  public Views.RegistrationView get(@PathParam("runId") String runId) {
    Registration r =
        repo.registrations()
            .find(runId)
            .orElseThrow(() -> new ApiException.NotFound("registration", runId));
    caller.requireOwnerOrAdmin(r.owner());
    return Views.RegistrationView.of(r);
  }
}
