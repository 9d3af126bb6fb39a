package dev.mlcp.registry.models.api;

import dev.mlcp.registry.models.Model;
import dev.mlcp.registry.models.Names;
import dev.mlcp.registry.models.RegistryRepository;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.List;

/** Finds a model for the current caller: 404 when there is none, 403 when it is someone else's. */
@RequestScoped
public class ModelAccess {
  @Inject RegistryRepository repo;
  @Inject Caller caller;

  /**
   * Service identities that read every model's versions and aliases (serving-deployer verifying a
   * version before it deploys it, training-runner resolving a model input); they change nothing.
   */
  @Inject dev.mlcp.registry.RegistryConfig config;

  /** The model, if the caller owns it or is an admin. */
  public Model owned(String name) {
    if (!Names.isName(name)) {
      throw new ApiException.NotFound("model", String.valueOf(name));
    }
    Model model =
        repo.models().find(name).orElseThrow(() -> new ApiException.NotFound("model", name));
    caller.requireOwnerOrAdmin(model.owner());
    return model;
  }

  /** The model, if the caller owns it, is an admin, or is one of {@code mlcp.registry.readers}. */
  public Model readable(String name) {
    if (caller.email() != null
        && config.readers().orElse(List.of()).stream()
            .anyMatch(r -> r.equalsIgnoreCase(caller.email()))) {
      if (!Names.isName(name)) {
        throw new ApiException.NotFound("model", String.valueOf(name));
      }
      return repo.models().find(name).orElseThrow(() -> new ApiException.NotFound("model", name));
    }
    return owned(name);
  }

  /** The version number in a path segment ({@code 7} or {@code v7}); 404 for anything else. */
  public static int version(String text) {
    return Names.version(text)
        .orElseThrow(() -> new ApiException.NotFound("version", String.valueOf(text)));
  }

  /** A page size within limits; 400 naming {@code pageSize} otherwise. */
  public static int pageSize(Integer requested, int max) {
    int size = requested == null ? 50 : requested;
    if (size < 1 || size > max) {
      throw new ApiException.BadRequest("pageSize", "must be between 1 and " + max);
    }
    return size;
  }

  /** A page token of plausible length; 400 naming {@code pageToken} otherwise. */
  public static String pageToken(String token) {
    if (token != null && (token.isEmpty() || token.length() > 2048)) {
      throw new ApiException.BadRequest("pageToken", "is not a token this service issued");
    }
    return token;
  }
}
