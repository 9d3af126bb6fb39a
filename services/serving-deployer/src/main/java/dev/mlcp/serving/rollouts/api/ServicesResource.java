package dev.mlcp.serving.rollouts.api;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.serving.ServingStack;
import dev.mlcp.serving.ServingConfig;
import dev.mlcp.serving.rollouts.DeployException;
import dev.mlcp.serving.rollouts.DeployPolicy;
import dev.mlcp.serving.rollouts.DeployService;
import dev.mlcp.serving.rollouts.DeploySpec;
import dev.mlcp.serving.rollouts.Rollout;
import dev.mlcp.serving.rollouts.RolloutRepository;
import dev.mlcp.serving.rollouts.ServiceState;
import dev.mlcp.state.InvalidPageTokenException;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Serving services: reads for every authenticated caller; deploys, traffic, rollbacks, approvals,
 * aborts and deletes for the CI/CD identity ({@code mlcp.serving.deployers}) and admins only.
 */
@Path("/v1/services")
@Produces(MediaType.APPLICATION_JSON)
public class ServicesResource {
  private static final String NAME = "{service: [a-z][-a-z0-9]{0,39}}";

  @Inject DeployService service;
  @Inject RolloutRepository repo;
  @Inject DeployPolicy policy;
  @Inject Caller caller;
  @Inject ServingConfig config;

  @GET
  @Operation(summary = "List serving services, newest first")
  public Views.ServicePage list(
      @QueryParam("pageSize") Integer pageSize, @QueryParam("pageToken") String pageToken) {
    Page<ServiceState> page;
    try {
      page = repo.listServices(size(pageSize), pageToken);
    } catch (InvalidPageTokenException e) {
      throw new ApiException.BadRequest("pageToken", e.getMessage());
    }
    return new Views.ServicePage(
        page.items().stream().map(s -> view(s, false)).toList(), page.nextPageToken());
  }

  @GET
  @Path(NAME)
  @Operation(
      summary = "A service: revisions, live traffic split and health, model version and digest")
  public Views.ServiceView get(@PathParam("service") String name) {
    return run(() -> view(service.service(name), true));
  }

  @POST
  @Path(NAME + "/revisions")
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Deploy a model version as a new revision (CI/CD identity and admins)",
      description =
          "Verifies the version with the registry, builds the revision, then moves traffic"
              + " directly or in analysed canary steps; answers 202 with the rollout.")
  public Response deploy(
      @PathParam("service") String name,
      @HeaderParam("Idempotency-Key") String idempotencyKey,
      @Valid @NotNull DeployRequest body) {
    requireDeployer();
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
      throw new ApiException.BadRequest("Idempotency-Key", "must be 1..200 characters");
    }
    DeploySpec spec =
        new DeploySpec(
            name,
            body.target(),
            body.image(),
            body.model(),
            body.version(),
            body.alias(),
            body.sha256(),
            body.machineType(),
            body.minReplicas(),
            body.maxReplicas(),
            body.cpuTarget(),
            body.healthPath(),
            body.port(),
            body.env(),
            body.strategy(),
            body.steps(),
            body.bakeSeconds(),
            body.requireApproval(),
            body.openapi(),
            body.endpointsService());
    Rollout r = run(() -> service.deploy(spec, idempotencyKey, caller.email(), "api"));
    return Response.accepted(Views.RolloutView.of(r))
        .location(URI.create("/v1/services/" + name + "/rollouts/" + r.id()))
        .build();
  }

  @GET
  @Path(NAME + "/rollouts")
  @Operation(summary = "Rollouts of a service, newest first")
  public Views.RolloutPage rollouts(
      @PathParam("service") String name,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    Page<Rollout> page;
    try {
      page = repo.rolloutsOf(name, size(pageSize), pageToken);
    } catch (InvalidPageTokenException e) {
      throw new ApiException.BadRequest("pageToken", e.getMessage());
    }
    return new Views.RolloutPage(
        page.items().stream().map(Views.RolloutView::of).toList(), page.nextPageToken());
  }

  @GET
  @Path(NAME + "/rollouts/{rollout: dep-[a-z0-9]{1,40}}")
  @Operation(summary = "A rollout: state, steps, last analysis, history")
  public Views.RolloutView rollout(
      @PathParam("service") String name, @PathParam("rollout") String rolloutId) {
    return run(() -> Views.RolloutView.of(service.rollout(name, rolloutId)));
  }

  @POST
  @Consumes(MediaType.WILDCARD)
  @Path(NAME + "/rollouts/{action: dep-[a-z0-9]{1,40}:[a-z]+}")
  @Operation(summary = "Approve the step to 100 %, or abort (CI/CD identity and admins)")
  public Views.RolloutView act(
      @PathParam("service") String name, @PathParam("action") String action) {
    requireDeployer();
    int colon = action.indexOf(':');
    String id = action.substring(0, colon);
    String verb = action.substring(colon + 1);
    if (!verb.equals("approve") && !verb.equals("abort")) {
      throw new ApiException.NotFound("no method :" + verb + " (use :approve or :abort)");
    }
    return run(
        () ->
            Views.RolloutView.of(
                action.endsWith(":approve")
                    ? service.approve(name, id, caller.email())
                    : service.abort(name, id, caller.email())));
  }

  @PUT
  @Path(NAME + "/traffic")
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Set the traffic split by hand (CI/CD identity and admins)")
  public Views.ServiceView traffic(
      @PathParam("service") String name, @Valid @NotNull TrafficRequest body) {
    requireDeployer();
    return run(() -> view(service.setTraffic(name, body.percents(), caller.email()), true));
  }

  @POST
  @Consumes(MediaType.WILDCARD)
  @Path("{target: [a-z][-a-z0-9]{0,39}:rollback}")
  @Operation(
      summary = "Roll back (CI/CD identity and admins)",
      description =
          "Aborts a rollout in progress (back to its known-good split), or sends all traffic to"
              + " the newest ready revision older than the serving one.")
  public Views.ServiceView rollback(@PathParam("target") String target) {
    requireDeployer();
    String name = target.substring(0, target.length() - ":rollback".length());
    return run(() -> view(service.rollback(name, caller.email()), true));
  }

  @DELETE
  @Path(NAME + "/revisions/{revision: [a-z][a-z0-9]{0,11}}")
  @Operation(summary = "Delete a revision without traffic (CI/CD identity and admins)")
  public Response delete(
      @PathParam("service") String name, @PathParam("revision") String revision) {
    requireDeployer();
    run(() -> service.deleteRevision(name, revision, caller.email()));
    return Response.noContent().build();
  }

  private void requireDeployer() {
    if (!policy.mayDeploy(caller.email(), caller.admin())) {
      throw new ApiException.Forbidden(DeployPolicy.howToDeploy());
    }
  }

  private int size(Integer pageSize) {
    int max = config.maxPageSize();
    if (pageSize != null && (pageSize < 1 || pageSize > max)) {
      throw new ApiException.BadRequest("pageSize", "must be 1.." + max);
    }
    return pageSize == null ? Math.min(50, max) : pageSize;
  }

  private Views.ServiceView view(ServiceState s, boolean live) {
    ServingStack.Traffic traffic = live ? service.liveTraffic(s) : null;
    java.util.Map<String, Integer> split =
        traffic != null && !traffic.percents().isEmpty() ? traffic.percents() : s.traffic();
    List<Views.RevisionView> revisions = new ArrayList<>();
    for (int i = s.revisions().size() - 1; i >= 0; i--) {
      ServiceState.RevisionInfo r = s.revisions().get(i);
      if (r.status() == ServiceState.RevisionStatus.DELETED) {
        continue;
      }
      revisions.add(
          new Views.RevisionView(
              r.revision(),
              r.model(),
              r.version(),
              r.sha256(),
              r.uri(),
              r.image(),
              r.status(),
              split.getOrDefault(r.revision(), 0),
              live ? service.health(s, r.revision()) : null,
              r.rolloutId(),
              r.createdAt()));
    }
    return new Views.ServiceView(
        s.id(),
        s.target(),
        traffic != null && traffic.url() != null ? traffic.url() : s.url(),
        split,
        s.knownGood(),
        s.activeRollout(),
        revisions,
        s.updatedAt());
  }

  /** Maps the domain's refusals to problems. */
  static <T> T run(Supplier<T> call) {
    try {
      return call.get();
    } catch (DeployException e) {
      throw switch (e.kind()) {
        case INVALID -> new ApiException.BadRequest(e.field(), e.getMessage());
        case NOT_FOUND -> new ApiException.NotFound(e.getMessage());
        case CONFLICT -> new ApiException.Conflict(e.getMessage());
      };
    }
  }
}
