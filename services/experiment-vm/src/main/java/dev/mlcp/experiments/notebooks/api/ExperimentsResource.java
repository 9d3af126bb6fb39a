package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.experiments.ExperimentBeans.ConnectSettings;
import dev.mlcp.experiments.ExperimentsConfig;
import dev.mlcp.experiments.notebooks.Experiment;
import dev.mlcp.experiments.notebooks.ExperimentRepository;
import dev.mlcp.experiments.notebooks.ExperimentRequest;
import dev.mlcp.experiments.notebooks.ExperimentService;
import dev.mlcp.experiments.notebooks.ExperimentState;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.state.InvalidPageTokenException;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
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
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code /v1/experiments}: notebook VMs that never outlive their use. */
@Path("/v1/experiments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ExperimentsResource {
  private static final String NAME = "{name: [a-z][-a-z0-9]*}";

  @Inject ExperimentService service;
  @Inject ExperimentRepository experiments;
  @Inject ExperimentAccess access;
  @Inject Caller caller;
  @Inject ExperimentsConfig config;
  @Inject ConnectSettings connect;
  @Inject Clock clock;

  @POST
  @Operation(
      summary = "Create a notebook VM",
      description =
          "Creates the experiment and its VM (JupyterLab, an agent reporting activity), trying"
              + " its zones in order while they are stocked out. Caps: TTL, idle timeout,"
              + " accelerators, disk, experiments per owner. A quota answers 429 problem+json"
              + " with GCE's reason and the quota's name; a stockout everywhere 503.")
  public Response create(@Valid @NotNull CreateExperimentBody body) {
    Experiment created =
        NotebookErrors.call(
            () ->
                service.create(
                    caller.email(),
                    new ExperimentRequest(
                        body.name(),
                        body.machineType(),
                        body.acceleratorType(),
                        body.acceleratorCount(),
                        body.diskGb(),
                        body.imageFamily(),
                        body.zones(),
                        body.spot(),
                        body.externalIp(),
                        body.ttl(),
                        body.idleTimeout())));
    return Response.created(URI.create("/v1/experiments/" + created.name()))
        .entity(view(created, null))
        .build();
  }

  @GET
  @Operation(
      summary = "List experiments",
      description =
          "Newest first, in full pages, from the last recorded state (no cloud calls): the"
              + " caller's own, or anyone's for admins (owner=). Filter by state.")
  public ExperimentView.Page list(
      @QueryParam("owner") String owner,
      @QueryParam("state") String state,
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
    ExperimentState wanted = state == null ? null : parseState(state);
    String who = owner == null ? null : owner.trim().toLowerCase(Locale.ROOT);
    if (!caller.admin()) {
      if (who != null && !who.equals(caller.email())) {
        throw new ApiException.Forbidden("Only admins may list other people's experiments.");
      }
      who = caller.email();
    }
    String index;
    String key;
    if (who != null && wanted != null) {
      index = ExperimentRepository.BY_OWNER_STATE;
      key = ExperimentRepository.ownerState(who, wanted);
    } else if (who != null) {
      index = ExperimentRepository.BY_OWNER;
      key = who;
    } else if (wanted != null) {
      index = ExperimentRepository.BY_STATE;
      key = wanted.name();
    } else {
      index = ExperimentRepository.ALL;
      key = ExperimentRepository.YES;
    }
    Page<Experiment> page;
    try {
      page = experiments.list(index, key, size, pageToken);
    } catch (InvalidPageTokenException e) {
      throw new ApiException.BadRequest("pageToken", e.getMessage());
    }
    Instant now = clock.instant();
    List<ExperimentView> views =
        page.items().stream()
            .map(e -> ExperimentView.of(e, null, service.judge(e, now), connect, now))
            .toList();
    return new ExperimentView.Page(views, page.nextPageToken());
  }

  @GET
  @Path(NAME)
  @Operation(
      summary = "An experiment, looked at now",
      description =
          "State, the VM's status, internal and external IP, zone, machine, created, expires,"
              + " last activity and idle state (from the VM's heartbeat), estimated cost so far"
              + " and how to connect.")
  public ExperimentView get(@PathParam("name") String name) {
    Experiment experiment = access.owned(name);
    ExperimentService.Observation seen = service.observe(experiment);
    return ExperimentView.of(
        seen.experiment(), seen.vmStatus(), seen.idleness(), connect, clock.instant());
  }

  @DELETE
  @Path(NAME)
  @Operation(
      summary = "Delete an experiment and its VM",
      description = "Idempotent: deleting a deleted experiment answers it as it is.")
  public ExperimentView delete(@PathParam("name") String name) {
    Experiment experiment = access.owned(name);
    return view(NotebookErrors.call(() -> service.delete(experiment, caller.email())), null);
  }

  @POST
  @Path("{target: [a-z][-a-z0-9]*:stop}")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Stop the VM (its disk is kept)")
  public ExperimentView stop(@PathParam("target") String target) {
    Experiment experiment = access.owned(nameOf(target));
    return view(NotebookErrors.call(() -> service.stop(experiment, caller.email())), null);
  }

  @POST
  @Path("{target: [a-z][-a-z0-9]*:start}")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      summary = "Start a stopped VM",
      description =
          "Its maxRunDuration becomes what is left until its hard deadline, so the backstop"
              + " holds across stops.")
  public ExperimentView start(@PathParam("target") String target) {
    Experiment experiment = access.owned(nameOf(target));
    return view(NotebookErrors.call(() -> service.start(experiment, caller.email())), null);
  }

  @POST
  @Path("{target: [a-z][-a-z0-9]*:extend}")
  @Operation(
      summary = "Move the expiry later",
      description =
          "Up to the hard deadline: created + the admin's max TTL, which is also the VM's"
              + " maxRunDuration, so extending never needs the VM changed.")
  public ExperimentView extend(
      @PathParam("target") String target, @Valid @NotNull ExtendBody body) {
    Experiment experiment = access.owned(nameOf(target));
    return view(NotebookErrors.call(() -> service.extend(experiment, body.by())), null);
  }

  private ExperimentView view(Experiment e, InstanceStatus status) {
    Instant now = clock.instant();
    return ExperimentView.of(e, status, service.judge(e, now), connect, now);
  }

  private static String nameOf(String target) {
    return target.substring(0, target.indexOf(':'));
  }

  private static ExperimentState parseState(String state) {
    try {
      return ExperimentState.valueOf(state.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ApiException.BadRequest(
          "state", "must be one of " + List.of(ExperimentState.values()));
    }
  }
}
