package dev.mlcp.registry.models.api;

import dev.mlcp.registry.models.Alias;
import dev.mlcp.registry.models.GateService;
import dev.mlcp.registry.models.Model;
import dev.mlcp.registry.models.ModelService;
import dev.mlcp.registry.models.Names;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** {@code /v1/models/{model}/aliases}: where aliases point, pointed when, and moving them. */
@Path("/v1/models/{model: [a-z][-a-z0-9]*}/aliases")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AliasesResource {
  private static final int MAX_REASON = 1024;

  @Inject ModelService models;
  @Inject GateService gate;
  @Inject ModelAccess access;
  @Inject Caller caller;

  @GET
  @Operation(summary = "A model's aliases and where they point")
  public List<Views.AliasView> list(@PathParam("model") String model) {
    Model m = access.readable(model);
    return models.aliases(model).stream()
        .map(a -> Views.AliasView.of(a, m.policyOrNone()))
        .toList();
  }

  @GET
  @Path("{alias: [a-z][-a-z0-9]*}")
  @Operation(
      summary = "An alias: where it points and its history; with at=, where it pointed then",
      description =
          "at= is an instant (2026-11-24T09:30:00Z) or a date (2026-11-24 = its 00:00 UTC).")
  public Object get(
      @PathParam("model") String model,
      @PathParam("alias") String alias,
      @Parameter(description = "an instant or a date (UTC)") @QueryParam("at") String at) {
    Model m = access.readable(model);
    if (at == null) {
      Alias a =
          models.aliases(model).stream()
              .filter(x -> x.name().equals(alias))
              .findFirst()
              .orElseThrow(() -> new ApiException.NotFound("alias", model + "/" + alias));
      return Views.AliasView.of(a, m.policyOrNone());
    }
    Instant when = parseAt(at);
    Alias.Move move =
        gate.at(model, alias, when)
            .orElseThrow(
                () ->
                    new ApiException.NotFound(
                        "alias '" + alias + "' of '" + model + "' was not set at " + when));
    return new Views.AliasAtView(
        model, alias, when, Names.versionName(move.toVersion()), Views.MoveView.of(move));
  }

  @POST
  @Path("{alias: [a-z][-a-z0-9]*}")
  @Operation(
      summary = "Point an alias at a version (promote or roll back)",
      description =
          "Owner or admin. A protected alias moves only to a version that passed the gate, or by"
              + " an admin with a reason. Every move is kept in the alias's history.")
  public Views.AliasView move(
      @PathParam("model") String model,
      @PathParam("alias") String alias,
      Views.AliasMoveBody body) {
    Model m = access.owned(model);
    if (body == null || body.version() == null) {
      throw new ApiException.BadRequest("version", "name the version, e.g. 3 or v3");
    }
    int n =
        Names.version(body.version())
            .orElseThrow(
                () -> new ApiException.BadRequest("version", "must be a version such as 3 or v3"));
    if (body.reason() != null && body.reason().length() > MAX_REASON) {
      throw new ApiException.BadRequest("reason", "at most " + MAX_REASON + " characters");
    }
    Alias moved = gate.moveByHand(model, alias, n, caller.email(), caller.admin(), body.reason());
    return Views.AliasView.of(moved, m.policyOrNone());
  }

  private static Instant parseAt(String at) {
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(at).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw new ApiException.BadRequest(
            "at", "must be an instant (2026-11-24T09:30:00Z) or a date (2026-11-24)");
      }
    }
  }
}
