package dev.mlcp.registry.models.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.registry.RegistryConfig;
import dev.mlcp.registry.models.EvaluationService;
import dev.mlcp.registry.models.LineageService;
import dev.mlcp.registry.models.Manifest;
import dev.mlcp.registry.models.ModelVersion;
import dev.mlcp.registry.models.RegistryRepository;
import dev.mlcp.registry.models.Verifier;
import dev.mlcp.registry.models.VersionReader;
import dev.mlcp.state.InvalidPageTokenException;
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
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code /v1/models/{model}/versions}: versions with their manifests, verification, downloads,
 * lineage and evaluations.
 */
@Path("/v1/models/{model: [a-z][-a-z0-9]*}/versions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VersionsResource {
  @Inject RegistryRepository repo;
  @Inject VersionReader reader;
  @Inject Verifier verifier;
  @Inject LineageService lineage;
  @Inject EvaluationService evaluations;
  @Inject ModelAccess access;
  @Inject Caller caller;
  @Inject RegistryConfig config;
  @Inject ObjectMapper json;

  @GET
  @Operation(summary = "List a model's versions, newest first")
  public Views.VersionPage list(
      @PathParam("model") String model,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    access.readable(model);
    int size = ModelAccess.pageSize(pageSize, config.maxPageSize());
    Page<ModelVersion> page;
    try {
      page =
          repo.versions()
              .list(RegistryRepository.BY_MODEL, model, size, ModelAccess.pageToken(pageToken));
    } catch (InvalidPageTokenException e) {
      throw new ApiException.BadRequest("pageToken", e.getMessage());
    }
    return new Views.VersionPage(
        page.items().stream().map(v -> Views.VersionView.of(v, null)).toList(),
        page.nextPageToken());
  }

  @GET
  @Path("{n: v?[0-9]+}")
  @Operation(summary = "A version with its manifest (files, checksums, run, inputs, metrics)")
  public Views.VersionView get(@PathParam("model") String model, @PathParam("n") String n) {
    access.readable(model);
    ModelVersion v = repo.version(model, ModelAccess.version(n));
    JsonNode manifest = null;
    if (v.state() == ModelVersion.VersionState.REGISTERED) {
      try {
        manifest = json.readTree(reader.manifestBytes(v));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Views.VersionView.of(v, manifest);
  }

  @GET
  @Path("{target: v?[0-9]+:verify}")
  @Operation(
      summary = "Verify a version",
      description =
          "Re-reads every file and checks it against the manifest, and the manifest against the"
              + " registered SHA-256. 200 when everything matches; 409 naming each file that does"
              + " not.")
  public Verifier.Result verify(
      @PathParam("model") String model, @PathParam("target") String target) {
    access.readable(model);
    Verifier.Result result = verifier.verify(model, ModelAccess.version(strip(target, ":verify")));
    if (!result.verified()) {
      throw new ApiException.Conflict(
          model
              + " "
              + result.version()
              + " failed verification: "
              + String.join(
                  "; ",
                  result.problems().stream().map(p -> p.file() + ": " + p.problem()).toList()));
    }
    return result;
  }

  @GET
  @Path("{target: v?[0-9]+:download}")
  @Produces({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
  @Operation(
      summary = "Download a version's files",
      description =
          "Without file: the files with their checksums and download paths. With file=PATH: a"
              + " redirect to a V4 signed URL (Cloud Storage; signed through the IAM Credentials"
              + " API as this service), or the bytes streamed (local mode).")
  public Response download(
      @PathParam("model") String model,
      @PathParam("target") String target,
      @QueryParam("file") String file) {
    access.readable(model);
    int n = ModelAccess.version(strip(target, ":download"));
    ModelVersion v = reader.registered(model, n);
    if (file == null) {
      Manifest manifest = reader.manifest(v);
      String base = "/v1/models/" + model + "/versions/" + n + ":download?file=";
      List<Map<String, Object>> files =
          manifest.files().stream()
              .map(
                  f -> {
                    Map<String, Object> entry = new java.util.LinkedHashMap<>();
                    entry.put("path", f.path());
                    entry.put("sizeBytes", f.sizeBytes());
                    entry.put("sha256", f.sha256());
                    entry.put("md5", f.md5());
                    entry.put("crc32c", f.crc32c());
                    entry.put(
                        "download", base + URLEncoder.encode(f.path(), StandardCharsets.UTF_8));
                    return entry;
                  })
              .toList();
      return Response.ok(
              Map.of(
                  "model",
                  model,
                  "version",
                  v.name(),
                  "manifestSha256",
                  v.manifestSha256(),
                  "manifest",
                  base + Manifest.NAME,
                  "files",
                  files))
          .type(MediaType.APPLICATION_JSON)
          .build();
    }
    ObjectUri object =
        reader
            .file(v, file)
            .orElseThrow(
                () -> new ApiException.NotFound("file '" + file + "' is not in " + v.name()));
    URI url = reader.url(object, config.downloadUrlTtl());
    if (!"file".equals(url.getScheme())) {
      return Response.temporaryRedirect(url).build();
    }
    // Local mode: the store's URL is a path on this machine; the bytes go through the service.
    ObjectRead read = reader.open(object);
    StreamingOutput body =
        out -> {
          try (ObjectRead in = read) {
            in.stream().transferTo(out);
          }
        };
    return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM)
        .header("Content-Length", read.metadata().size())
        .header(
            "Content-Disposition",
            "attachment; filename=\""
                + file.substring(file.lastIndexOf('/') + 1).replace("\"", "")
                + "\"")
        .build();
  }

  @POST
  @Path("{target: v?[0-9]+:evaluate}")
  @Operation(
      summary = "Evaluate a version",
      description =
          "Starts one run per evaluator (all of the model's, or those named), in parallel, with"
              + " the version's URI as input.")
  public Views.EvaluationList evaluate(
      @PathParam("model") String model,
      @PathParam("target") String target,
      Views.EvaluateBody body) {
    access.owned(model);
    int n = ModelAccess.version(strip(target, ":evaluate"));
    return new Views.EvaluationList(
        evaluations
            .request(model, List.of(n), body == null ? null : body.evaluators(), caller.email())
            .stream()
            .map(Views.EvaluationView::of)
            .toList());
  }

  @GET
  @Path("{n: v?[0-9]+}/lineage")
  @Operation(
      summary = "A version's lineage",
      description = "run → inputs → image → parent runs → evaluations → deployments")
  public LineageService.Lineage lineage(
      @PathParam("model") String model, @PathParam("n") String n) {
    access.readable(model);
    return lineage.of(model, ModelAccess.version(n));
  }

  @GET
  @Path("{n: v?[0-9]+}/evaluations")
  @Operation(summary = "A version's evaluations, newest first")
  public Views.EvaluationList evaluations(
      @PathParam("model") String model, @PathParam("n") String n) {
    access.readable(model);
    return new Views.EvaluationList(
        evaluations.of(model, ModelAccess.version(n)).stream()
            .map(Views.EvaluationView::of)
            .toList());
  }

  private static String strip(String target, String suffix) {
    return target.substring(0, target.length() - suffix.length());
  }
}
