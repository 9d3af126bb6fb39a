package dev.mlcp.training.runs.api;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.Page;
import dev.mlcp.state.InvalidPageTokenException;
import dev.mlcp.training.TrainingConfig;
import dev.mlcp.training.runs.IdempotencyKeyReusedException;
import dev.mlcp.training.runs.OwnerLimitExceededException;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunRepository;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.RunState;
import dev.mlcp.training.runs.SecretNotUsableException;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** {@code /v1/runs}: submit, list, inspect and cancel training runs. */
@Path("/v1/runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RunsResource {
  private static final int MAX_KEY_LENGTH = 256;

  @Inject RunService service;
  @Inject RunRepository runs;
  @Inject Caller caller;
  @Inject TrainingConfig config;
  @Inject RunAccess access;

  @POST
  @Operation(
      summary = "Submit a training run",
      description =
          "Creates the run and its VM. The same Idempotency-Key from the same caller returns the"
              + " same run.")
  public Response submit(
      @Parameter(description = "Idempotency key: the same key returns the same run")
          @HeaderParam("Idempotency-Key")
          String idempotencyKey,
      RunSpec spec) {
    if (spec == null) {
      throw new ApiException.BadRequest("spec", "the body must be a run spec");
    }
    if (idempotencyKey != null
        && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_KEY_LENGTH)) {
      throw new ApiException.BadRequest(
          "Idempotency-Key", "must be 1-" + MAX_KEY_LENGTH + " characters");
    }
    Run run;
    try {
      run = service.submit(caller.email(), spec, idempotencyKey, null);
    } catch (IdempotencyKeyReusedException e) {
      throw new ApiException.Unprocessable("Idempotency-Key", e.getMessage());
    } catch (SecretNotUsableException e) {
      throw new ApiException.Forbidden(e.getMessage());
    } catch (OwnerLimitExceededException e) {
      throw new ApiException.LimitExceeded(e.getMessage(), null);
    }
    return Response.created(URI.create("/v1/runs/" + run.id())).entity(RunView.of(run)).build();
  }

  @GET
  @Operation(
      summary = "List runs",
      description =
          "Newest first, in full pages. Non-admins see their own runs only. Filters by owner and"
              + " state use indexes; a label filter is applied on top (a page may come back short"
              + " with a nextPageToken when few runs match).")
  public RunView.Page list(
      @QueryParam("state") String state,
      @QueryParam("owner") String owner,
      @Parameter(description = "key=value") @QueryParam("label") String label,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    int size = pageSize == null ? 50 : pageSize;
    if (size < 1 || size > config.maxPageSize()) {
      throw new ApiException.BadRequest(
          "pageSize", "must be between 1 and " + config.maxPageSize());
    }
    if (pageToken != null && pageToken.length() > 2048) {
      throw new ApiException.BadRequest("pageToken", "is not a token this service issued");
    }
    RunState wanted = state == null ? null : parseState(state);
    String who = owner == null ? null : owner.trim().toLowerCase(Locale.ROOT);
    if (!caller.admin()) {
      if (who != null && !who.equals(caller.email())) {
        throw new ApiException.Forbidden("Only admins may list other people's runs.");
      }
      who = caller.email();
    }
    Predicate<Run> filter = r -> true;
    String filterScope = "";
    if (label != null) {
      int eq = label.indexOf('=');
      if (eq < 1 || label.length() > 128) {
        throw new ApiException.BadRequest("label", "must be key=value");
      }
      String key = label.substring(0, eq);
      String value = label.substring(eq + 1);
      filter = r -> value.equals(r.spec().labels().get(key));
      filterScope = "label:" + label;
    }
    String index;
    String key;
    if (who != null && wanted != null) {
      index = RunRepository.BY_OWNER_STATE;
      key = RunRepository.ownerState(who, wanted);
    } else if (who != null) {
      index = RunRepository.BY_OWNER;
      key = who;
    } else if (wanted != null) {
      index = RunRepository.BY_STATE;
      key = wanted.name();
    } else {
      index = RunRepository.ALL;
      key = RunRepository.YES;
    }
    Page<Run> page;
    try {
      page = runs.list(index, key, filter, filterScope, size, pageToken);
    } catch (InvalidPageTokenException e) {
      throw new ApiException.BadRequest("pageToken", e.getMessage());
    }
    return new RunView.Page(page.items().stream().map(RunView::of).toList(), page.nextPageToken());
  }

  @GET
  @Path("/{id}")
  @Operation(summary = "A run: state, timestamps, VM, attempts, exit code, artifacts, cost")
  public RunView get(@PathParam("id") String id) {
    return RunView.of(access.owned(id));
  }

  @DELETE
  @Path("/{id}")
  @Operation(summary = "Cancel a run: its VM is deleted and it ends CANCELLED")
  public RunView cancel(@PathParam("id") String id) {
    access.owned(id);
    return RunView.of(
        service.cancel(id, caller.email()).orElseThrow(() -> new ApiException.NotFound("run", id)));
  }

  private static RunState parseState(String state) {
    try {
      return RunState.valueOf(state.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ApiException.BadRequest("state", "must be one of " + List.of(RunState.values()));
    }
  }
}
