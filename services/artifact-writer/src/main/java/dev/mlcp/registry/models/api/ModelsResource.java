package dev.mlcp.registry.models.api;

import dev.mlcp.platform.Page;
import dev.mlcp.registry.RegistryConfig;
import dev.mlcp.registry.models.EvaluationService;
import dev.mlcp.registry.models.Model;
import dev.mlcp.registry.models.ModelService;
import dev.mlcp.registry.models.Names;
import dev.mlcp.registry.models.RegistryRepository;
import dev.mlcp.state.InvalidPageTokenException;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code /v1/models}: models, their gate policy and evaluators, and evaluation of versions. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ModelsResource {
  @Inject RegistryRepository repo;
  @Inject ModelService models;
  @Inject EvaluationService evaluations;
  @Inject ModelAccess access;
  @Inject Caller caller;
  @Inject RegistryConfig config;

  @GET
  @Operation(
      summary = "List models",
      description = "Newest first. Non-admins see their own models; admins all, or one owner's.")
  public Views.ModelPage list(
      @QueryParam("owner") String owner,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    int size = ModelAccess.pageSize(pageSize, config.maxPageSize());
    String who = owner == null ? null : owner.trim().toLowerCase(Locale.ROOT);
    if (!caller.admin()) {
      if (who != null && !who.equals(caller.email())) {
        throw new ApiException.Forbidden("Only admins may list other people's models.");
      }
      who = caller.email();
    }
    Page<Model> page;
    try {
      page =
          who == null
              ? repo.models()
                  .list(
                      RegistryRepository.ALL,
                      RegistryRepository.YES,
                      size,
                      ModelAccess.pageToken(pageToken))
              : repo.models()
                  .list(RegistryRepository.BY_OWNER, who, size, ModelAccess.pageToken(pageToken));
    } catch (InvalidPageTokenException e) {
      throw new ApiException.BadRequest("pageToken", e.getMessage());
    }
    return new Views.ModelPage(
        page.items().stream().map(m -> Views.ModelView.of(m, models.aliases(m.id()))).toList(),
        page.nextPageToken());
  }

  @GET
  @Path("{model: [a-z][-a-z0-9]*}")
  @Operation(summary = "A model: owner, latest version, aliases, policy, evaluators")
  public Views.ModelView get(@PathParam("model") String model) {
    Model m = access.owned(model);
    return Views.ModelView.of(m, models.aliases(m.id()));
  }

  @GET
  @Path("{model: [a-z][-a-z0-9]*}/policy")
  @Operation(summary = "A model's validation gate policy (empty when none is set)")
  public Views.PolicyBody policy(@PathParam("model") String model) {
    return Views.PolicyBody.of(access.owned(model).policyOrNone());
  }

  @PUT
  @Path("{model: [a-z][-a-z0-9]*}/policy")
  @Operation(
      summary = "Set a model's validation gate policy",
      description =
          "Checks on metrics (threshold, direction), comparison with the champion (minimum"
              + " relative/absolute improvement), required evaluations, the aliases the gate"
              + " promotes to and the protected aliases. Creates the model (owned by the caller)"
              + " when it has no version yet.")
  public Views.PolicyBody setPolicy(@PathParam("model") String model, Views.PolicyBody body) {
    if (body == null) {
      throw new ApiException.BadRequest("policy", "the body must be a policy");
    }
    requireOwnerIfExists(model);
    return Views.PolicyBody.of(
        models.setPolicy(model, body.toPolicy(), caller.email()).policyOrNone());
  }

  @GET
  @Path("{model: [a-z][-a-z0-9]*}/evaluators")
  @Operation(summary = "A model's evaluators")
  public Views.EvaluatorsBody evaluators(@PathParam("model") String model) {
    return new Views.EvaluatorsBody(access.owned(model).evaluators());
  }

  @PUT
  @Path("{model: [a-z][-a-z0-9]*}/evaluators")
  @Operation(
      summary = "Set a model's evaluators",
      description =
          "Evaluation images (name, image, args, machineType) run against chosen versions with"
              + " :evaluate. Creates the model (owned by the caller) when it has no version yet.")
  public Views.EvaluatorsBody setEvaluators(
      @PathParam("model") String model, Views.EvaluatorsBody body) {
    if (body == null) {
      throw new ApiException.BadRequest("evaluators", "the body must list evaluators");
    }
    requireOwnerIfExists(model);
    return new Views.EvaluatorsBody(
        models.setEvaluators(model, body.evaluators(), caller.email()).evaluators());
  }

  @POST
  @Path("{target: [a-z][-a-z0-9]*:evaluate}")
  @Operation(
      summary = "Evaluate several versions",
      description =
          "Starts one run per evaluator and version, in parallel, through training-requests; each"
              + " run's metrics.json lands as an evaluation of its version.")
  public Views.EvaluationList evaluate(
      @PathParam("target") String target, Views.EvaluateBody body) {
    String model = target.substring(0, target.length() - ":evaluate".length());
    access.owned(model);
    if (body == null || body.versions() == null || body.versions().isEmpty()) {
      throw new ApiException.BadRequest("versions", "name the versions to evaluate");
    }
    List<Integer> versions = new ArrayList<>();
    for (int i = 0; i < body.versions().size(); i++) {
      String v = body.versions().get(i);
      int index = i;
      versions.add(
          Names.version(v)
              .orElseThrow(
                  () ->
                      new ApiException.BadRequest(
                          "versions[" + index + "]", "must be a version such as 3 or v3")));
    }
    return new Views.EvaluationList(
        evaluations.request(model, versions, body.evaluators(), caller.email()).stream()
            .map(Views.EvaluationView::of)
            .toList());
  }

  private void requireOwnerIfExists(String model) {
    repo.models().find(model).ifPresent(m -> caller.requireOwnerOrAdmin(m.owner()));
  }
}
