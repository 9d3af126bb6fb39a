package dev.mlcp.experiments.artifacts.api;

import dev.mlcp.experiments.ArtifactsConfig;
import dev.mlcp.experiments.artifacts.ArtifactService;
import dev.mlcp.experiments.artifacts.InvalidArtifactPathException;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectListing;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.web.ApiException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code /v1/artifacts}: browse and download artifacts of earlier runs and experiments. */
@Path("/v1/artifacts")
public class ArtifactsResource {
  @Inject ArtifactService artifacts;
  @Inject ArtifactsConfig config;

  /**
   * One object.
   *
   * @param path its path under the artifacts root
   * @param uri its {@code gs://} URI
   * @param size bytes
   * @param contentType MIME type
   * @param updated last written
   * @param crc32c CRC32C (base64, as GCS reports it)
   */
  public record ObjectView(
      String path, String uri, long size, String contentType, Instant updated, String crc32c) {}

  /**
   * One page of a folder.
   *
   * @param root the artifacts root
   * @param prefix the folder (or name prefix) listed
   * @param objects the objects directly in it
   * @param prefixes its sub-folders, each ending with {@code /}
   * @param nextPageToken pass as {@code pageToken} for the next page; absent on the last
   */
  public record Listing(
      String root,
      String prefix,
      List<ObjectView> objects,
      List<String> prefixes,
      String nextPageToken) {}

  /**
   * A signed download URL.
   *
   * @param url GET it (no credentials needed) until it expires
   * @param expiresAt when it stops working
   */
  public record DownloadLink(String url, Instant expiresAt) {}

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Browse artifacts",
      description =
          "The objects and sub-folders directly under prefix (a folder ending with /, or a name"
              + " prefix), in name order, in pages.")
  public Listing list(
      @QueryParam("prefix") String prefix,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    int size = pageSize == null ? 100 : pageSize;
    if (size < 1 || size > config.maxPageSize()) {
      throw new ApiException.BadRequest(
          "pageSize", "must be between 1 and " + config.maxPageSize());
    }
    if (pageToken != null && pageToken.length() > 2048) {
      throw new ApiException.BadRequest("pageToken", "is not a token this service issued");
    }
    ObjectListing page;
    try {
      page = artifacts.list(prefix, size, pageToken);
    } catch (InvalidArtifactPathException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    }
    return new Listing(
        artifacts.root().toString(),
        prefix == null ? "" : prefix,
        page.objects().stream().map(this::view).toList(),
        page.prefixes().stream().map(artifacts::relative).toList(),
        page.nextPageToken());
  }

  @GET
  @Path("{target: .+:download}")
  @Produces({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
  @Operation(
      summary = "Download an artifact",
      description =
          "On Cloud Storage: 303 to a V4 signed URL (signed with the service's own identity"
              + " through IAM Credentials; valid for a few minutes), with the URL in the body too."
              + " Locally: the bytes themselves.")
  public Response download(@PathParam("target") String target) {
    String path = target.substring(0, target.length() - ":download".length());
    ArtifactService.Download download;
    try {
      download = artifacts.download(path);
    } catch (InvalidArtifactPathException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        throw new ApiException.NotFound("artifact", path);
      }
      throw e;
    }
    if (download.url() != null) {
      return Response.seeOther(download.url())
          .type(MediaType.APPLICATION_JSON)
          .entity(
              new DownloadLink(download.url().toString(), Instant.now().plus(download.expiresIn())))
          .build();
    }
    ObjectMetadata meta = download.read().metadata();
    InputStream in = download.read().stream();
    StreamingOutput body =
        out -> {
          try (InputStream stream = in) {
            stream.transferTo(out);
          } catch (IOException e) {
            throw new IOException("download of " + path + " broke off", e);
          }
        };
    String file = path.substring(path.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
    return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM)
        .header("Content-Length", meta.size())
        .header("Content-Disposition", "attachment; filename=\"" + file + "\"")
        .build();
  }

  private ObjectView view(ObjectMetadata m) {
    return new ObjectView(
        artifacts.relative(m.uri().name()),
        m.uri().toString(),
        m.size(),
        m.contentType(),
        m.updated(),
        m.crc32c());
  }
}
