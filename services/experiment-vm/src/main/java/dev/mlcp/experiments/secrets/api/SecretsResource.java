package dev.mlcp.experiments.secrets.api;

import dev.mlcp.experiments.SecretsConfig;
import dev.mlcp.experiments.secrets.InvalidSecretException;
import dev.mlcp.experiments.secrets.SecretAuditRecord;
import dev.mlcp.experiments.secrets.SecretNotAllowedException;
import dev.mlcp.experiments.secrets.SecretService;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.secrets.AccessedSecret;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.state.InvalidPageTokenException;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code /v1/secrets}: third-party API keys for experiments. Values go only to the owner, the
 * listed readers and admins (the rule training runs use), every use is audited, and values never
 * appear anywhere but in the secret store and the one response that asked for them.
 */
@Path("/v1/secrets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SecretsResource {
  private static final String NAME = "{name: [A-Za-z0-9_-]{1,255}}";

  @Inject SecretService secrets;
  @Inject Caller caller;
  @Inject SecretsConfig config;

  /**
   * A new secret and its first value.
   *
   * @param name {@code [A-Za-z0-9_-]{1,255}}
   * @param value the value (UTF-8 text)
   * @param labels labels (GCE label rules)
   * @param readers emails who may read the value besides the owner and admins
   */
  public record CreateBody(
      @NotNull String name,
      @NotNull String value,
      Map<String, String> labels,
      @Size(max = 1000) Set<String> readers) {
    /** Never the value. */
    @Override
    public String toString() {
      return "CreateBody[name="
          + name
          + ", value=redacted, labels="
          + labels
          + ", readers="
          + readers
          + "]";
    }
  }

  /**
   * A new version's value.
   *
   * @param value the value (UTF-8 text)
   */
  public record VersionBody(@NotNull String value) {
    /** Never the value. */
    @Override
    public String toString() {
      return "VersionBody[value=redacted]";
    }
  }

  /**
   * The readers, replacing the current ones.
   *
   * @param readers emails
   */
  public record ReadersBody(@NotNull @Size(max = 1000) Set<String> readers) {}

  /**
   * A secret, never its value.
   *
   * @param name its name
   * @param labels its labels
   * @param created when it was created
   * @param owner its owner (null for a secret made outside mlcp: admins only)
   * @param readers who may read it besides the owner and admins
   * @param mayRead whether the caller may read its value
   */
  public record SecretView(
      String name,
      Map<String, String> labels,
      Instant created,
      String owner,
      Set<String> readers,
      boolean mayRead) {
    static SecretView of(SecretService.Described d) {
      return new SecretView(
          d.info().name(),
          d.info().labels(),
          d.info().created(),
          d.owner(),
          d.readers(),
          d.mayRead());
    }
  }

  /**
   * The secrets.
   *
   * @param secrets every secret, by name
   */
  public record SecretList(List<SecretView> secrets) {}

  /**
   * A version that was added.
   *
   * @param name the secret
   * @param version the new version
   */
  public record VersionView(String name, String version) {}

  /**
   * A secret's value.
   *
   * @param name the secret
   * @param version the version served
   * @param value the value
   */
  public record ValueView(String name, String version, String value) {
    /** Never the value. */
    @Override
    public String toString() {
      return "ValueView[name=" + name + ", version=" + version + ", value=redacted]";
    }
  }

  /**
   * One audited use of a secret.
   *
   * @param at when
   * @param actor who
   * @param action what
   * @param version which version (the one served for latest)
   * @param outcome allowed or denied
   */
  public record AccessView(
      Instant at,
      String actor,
      SecretAuditRecord.Action action,
      String version,
      SecretAuditRecord.Outcome outcome) {
    static AccessView of(SecretAuditRecord r) {
      return new AccessView(r.createdAt(), r.actor(), r.action(), r.version(), r.outcome());
    }
  }

  /**
   * A page of a secret's audit.
   *
   * @param accesses newest first
   * @param nextPageToken pass as {@code pageToken} for the next page
   */
  public record AuditPage(List<AccessView> accesses, String nextPageToken) {}

  @GET
  @Operation(summary = "List secrets: names, labels, created, owner, readers; never values")
  public SecretList list() {
    return new SecretList(
        secrets.list(caller.email(), caller.admin()).stream().map(SecretView::of).toList());
  }

  @GET
  @Path(NAME)
  @Operation(summary = "A secret: labels, created, owner, readers; never its value")
  public SecretView get(@PathParam("name") String name) {
    return refusals(
        () ->
            secrets
                .get(name, caller.email(), caller.admin())
                .map(SecretView::of)
                .orElseThrow(() -> new ApiException.NotFound("secret", name)));
  }

  @POST
  @Operation(summary = "Create a secret with its first value; the caller owns it")
  public Response create(@Valid @NotNull CreateBody body) {
    SecretView created =
        refusals(
            () -> {
              try (SecretValue value = SecretValue.ofUtf8(body.value())) {
                return SecretView.of(
                    secrets.create(
                        caller.email(), body.name(), body.labels(), body.readers(), value));
              }
            });
    return Response.created(URI.create("/v1/secrets/" + created.name())).entity(created).build();
  }

  @POST
  @Path(NAME + "/versions")
  @Operation(summary = "Add a version (the owner and admins)")
  public Response addVersion(@PathParam("name") String name, @Valid @NotNull VersionBody body) {
    String version =
        refusals(
            () -> {
              try (SecretValue value = SecretValue.ofUtf8(body.value())) {
                return secrets.addVersion(caller.email(), caller.admin(), name, value);
              }
            });
    return Response.created(URI.create("/v1/secrets/" + name + "/versions/" + version))
        .entity(new VersionView(name, version))
        .build();
  }

  @GET
  @Path("{target: [A-Za-z0-9_-]{1,255}:access}")
  @Operation(
      summary = "Read a value (the owner, readers and admins); audited",
      description =
          "version: latest (default) or a number. The audit records who, when and the"
              + " version served, never the value.")
  public Response access(
      @PathParam("target") String target, @QueryParam("version") String version) {
    String name = target.substring(0, target.length() - ":access".length());
    ValueView value =
        refusals(
            () -> {
              try (AccessedSecret accessed =
                  secrets.access(caller.email(), caller.admin(), name, version)) {
                return new ValueView(
                    name,
                    accessed.version(),
                    new String(accessed.value().bytes(), StandardCharsets.UTF_8));
              }
            });
    return Response.ok(value).header("Cache-Control", "no-store").build();
  }

  @PUT
  @Path(NAME + "/readers")
  @Operation(summary = "Replace the readers (the owner and admins)")
  public SecretView setReaders(@PathParam("name") String name, @Valid @NotNull ReadersBody body) {
    return refusals(
        () ->
            SecretView.of(
                secrets.setReaders(caller.email(), caller.admin(), name, body.readers())));
  }

  @GET
  @Path(NAME + "/accesses")
  @Operation(summary = "The secret's audit, newest first (the owner and admins)")
  public AuditPage accesses(
      @PathParam("name") String name,
      @QueryParam("pageSize") Integer pageSize,
      @QueryParam("pageToken") String pageToken) {
    int size = pageSize == null ? 50 : pageSize;
    if (size < 1 || size > config.maxPageSize()) {
      throw new ApiException.BadRequest(
          "pageSize", "must be between 1 and " + config.maxPageSize());
    }
    Page<SecretAuditRecord> page =
        refusals(
            () -> {
              try {
                return secrets.accesses(caller.email(), caller.admin(), name, size, pageToken);
              } catch (InvalidPageTokenException e) {
                throw new ApiException.BadRequest("pageToken", e.getMessage());
              }
            });
    return new AuditPage(page.items().stream().map(AccessView::of).toList(), page.nextPageToken());
  }

  private static <T> T refusals(Supplier<T> action) {
    try {
      return action.get();
    } catch (InvalidSecretException e) {
      throw new ApiException.BadRequest(e.field(), e.getMessage());
    } catch (SecretNotAllowedException e) {
      throw new ApiException.Forbidden(e.getMessage());
    }
  }
}
