package dev.mlcp.platform.instances.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.ServingResources;
import dev.mlcp.platform.internal.AtomicFiles;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.internal.LocalLocks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@link ServingResources} as JSON state files under {@code <stateDir>/serving/<kind>/<name>.json},
 * with GCE's rules: names are unique per kind, references must exist, a referenced resource cannot
 * be deleted, URL map updates need the current fingerprint. Groups start no processes here, so
 * {@link #backendHealth} lists no instances.
 */
public final class LocalServingResources implements ServingResources {

  private final Path root;

  /** Serving state in {@code <stateDir>/serving}. */
  public LocalServingResources(Path stateDir) {
    this.root = stateDir.toAbsolutePath().normalize().resolve("serving");
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private enum Kind {
    TEMPLATE("instance template"),
    HEALTH_CHECK("health check"),
    GROUP("instance group manager"),
    AUTOSCALER("autoscaler"),
    BACKEND_SERVICE("backend service"),
    URL_MAP("URL map");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  @Override
  public void createTemplate(TemplateSpec spec) {
    create(Kind.TEMPLATE, spec.name(), () -> spec);
  }

  @Override
  public boolean deleteTemplate(String name) {
    return delete(Kind.TEMPLATE, name);
  }

  @Override
  public void createHealthCheck(HealthCheckSpec spec) {
    create(Kind.HEALTH_CHECK, spec.name(), () -> spec);
  }

  @Override
  public boolean deleteHealthCheck(String name) {
    return delete(Kind.HEALTH_CHECK, name);
  }

  @Override
  public void createGroup(GroupSpec spec) {
    create(
        Kind.GROUP,
        spec.name(),
        () -> {
          requireExists(Kind.TEMPLATE, spec.template());
          if (spec.autohealingHealthCheck() != null) {
            requireExists(Kind.HEALTH_CHECK, spec.autohealingHealthCheck());
          }
          return spec;
        });
  }

  @Override
  public Optional<Group> getGroup(String name) {
    return read(Kind.GROUP, name)
        .map(n -> new Group(name, n.path("template").asText(), n.path("targetSize").asInt()));
  }

  @Override
  public boolean deleteGroup(String name) {
    return delete(Kind.GROUP, name);
  }

  @Override
  public void createAutoscaler(AutoscalerSpec spec) {
    create(
        Kind.AUTOSCALER,
        spec.name(),
        () -> {
          requireExists(Kind.GROUP, spec.group());
          if (spec.minReplicas() < 0 || spec.maxReplicas() < spec.minReplicas()) {
            throw PlatformException.invalid("autoscaler needs 0 <= min <= max");
          }
          return spec;
        });
  }

  @Override
  public boolean deleteAutoscaler(String name) {
    return delete(Kind.AUTOSCALER, name);
  }

  @Override
  public void createBackendService(BackendServiceSpec spec) {
    create(
        Kind.BACKEND_SERVICE,
        spec.name(),
        () -> {
          requireExists(Kind.HEALTH_CHECK, spec.healthCheck());
          spec.groups().forEach(g -> requireExists(Kind.GROUP, g));
          return spec;
        });
  }

  @Override
  public boolean deleteBackendService(String name) {
    return delete(Kind.BACKEND_SERVICE, name);
  }

  @Override
  public List<InstanceHealth> backendHealth(String backendService, String group) {
    requireExists(Kind.BACKEND_SERVICE, backendService);
    requireExists(Kind.GROUP, group);
    return List.of();
  }

  @Override
  public UrlMap createUrlMap(String name, List<WeightedBackend> backends) {
    UrlMap map = new UrlMap(name, backends, fingerprint());
    create(
        Kind.URL_MAP,
        name,
        () -> {
          backends.forEach(b -> requireExists(Kind.BACKEND_SERVICE, b.backendService()));
          return map;
        });
    return map;
  }

  @Override
  public Optional<UrlMap> getUrlMap(String name) {
    return read(Kind.URL_MAP, name).map(n -> Json.MAPPER.convertValue(n, UrlMap.class));
  }

  @Override
  public UrlMap updateUrlMap(String name, List<WeightedBackend> backends, String fingerprint) {
    try (LocalLocks.Held lock = lock()) {
      UrlMap current =
          getUrlMap(name).orElseThrow(() -> PlatformException.notFound("URL map " + name));
      if (!current.fingerprint().equals(fingerprint)) {
        throw PlatformException.conflict(
            "conditionNotMet",
            "URL map "
                + name
                + " changed since it was read (stale fingerprint); re-read and retry");
      }
      backends.forEach(b -> requireExists(Kind.BACKEND_SERVICE, b.backendService()));
      UrlMap updated = new UrlMap(name, backends, fingerprint());
      write(Kind.URL_MAP, name, updated);
      return updated;
    }
  }

  @Override
  public boolean deleteUrlMap(String name) {
    return delete(Kind.URL_MAP, name);
  }

  private void create(Kind kind, String name, Supplier<Object> validatedState) {
    if (!InstanceSpec.isValidName(name)) {
      throw PlatformException.invalid("invalid " + kind.label + " name: " + name);
    }
    try (LocalLocks.Held lock = lock()) {
      if (Files.exists(file(kind, name))) {
        throw PlatformException.alreadyExists(kind.label + " " + name);
      }
      write(kind, name, validatedState.get());
    }
  }

  private boolean delete(Kind kind, String name) {
    try (LocalLocks.Held lock = lock()) {
      if (!Files.exists(file(kind, name))) {
        return false;
      }
      String user = referencedBy(kind, name);
      if (user != null) {
        throw PlatformException.conflict(
            "resourceInUseByAnotherResource",
            "The " + kind.label + " " + name + " is already being used by " + user);
      }
      Files.delete(file(kind, name));
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first resource that refers to {@code name} of {@code kind}, or null. */
  private String referencedBy(Kind kind, String name) {
    return switch (kind) {
      case TEMPLATE -> firstWhere(Kind.GROUP, n -> name.equals(n.path("template").asText()));
      case HEALTH_CHECK ->
          Optional.ofNullable(
                  firstWhere(
                      Kind.BACKEND_SERVICE, n -> name.equals(n.path("healthCheck").asText())))
              .orElse(
                  firstWhere(
                      Kind.GROUP, n -> name.equals(n.path("autohealingHealthCheck").asText())));
      case GROUP ->
          Optional.ofNullable(
                  firstWhere(Kind.AUTOSCALER, n -> name.equals(n.path("group").asText())))
              .orElse(firstWhere(Kind.BACKEND_SERVICE, n -> contains(n.path("groups"), name)));
      case BACKEND_SERVICE ->
          firstWhere(
              Kind.URL_MAP,
              n -> {
                for (JsonNode b : n.path("backends")) {
                  if (name.equals(b.path("backendService").asText())) {
                    return true;
                  }
                }
                return false;
              });
      case AUTOSCALER, URL_MAP -> null;
    };
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode n : array) {
      if (value.equals(n.asText())) {
        return true;
      }
    }
    return false;
  }

  private String firstWhere(Kind kind, java.util.function.Predicate<JsonNode> test) {
    Path dir = root.resolve(kind.name().toLowerCase(java.util.Locale.ROOT));
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        JsonNode n = Json.MAPPER.readTree(f.toFile());
        if (test.test(n)) {
          String file = f.getFileName().toString();
          return kind.label + " " + file.substring(0, file.length() - ".json".length());
        }
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireExists(Kind kind, String name) {
    if (name == null || !Files.exists(file(kind, name))) {
      throw PlatformException.notFound(kind.label + " " + name);
    }
  }

  private Optional<JsonNode> read(Kind kind, String name) {
    Path f = file(kind, name);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of((ObjectNode) Json.MAPPER.readTree(f.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(Kind kind, String name, Object state) {
    try {
      AtomicFiles.write(file(kind, name), Json.MAPPER.writeValueAsBytes(state));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path file(Kind kind, String name) {
    if (!InstanceSpec.isValidName(name)) {
      throw PlatformException.invalid("invalid " + kind.label + " name: " + name);
    }
    return root.resolve(kind.name().toLowerCase(java.util.Locale.ROOT)).resolve(name + ".json");
  }

  private LocalLocks.Held lock() {
    return LocalLocks.acquire(root.resolve(".lock"));
  }

  private static String fingerprint() {
    return UUID.randomUUID().toString().substring(0, 12);
  }
}
