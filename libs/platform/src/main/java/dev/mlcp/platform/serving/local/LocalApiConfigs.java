package dev.mlcp.platform.serving.local;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.AtomicFiles;
import dev.mlcp.platform.serving.ApiConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@link ApiConfigs} as files: each submitted document is {@code
 * <stateDir>/endpoints/<service>/<n>.yaml} and {@code active} names the one rolled out.
 */
public final class LocalApiConfigs implements ApiConfigs {
  private final Path root;

  /** Configs under {@code <stateDir>/endpoints}. */
  public LocalApiConfigs(Path stateDir) {
    this.root = stateDir.toAbsolutePath().normalize().resolve("endpoints");
  }

  @Override
  public synchronized Rollout submitAndRollOut(String serviceName, String openapiYaml) {
    if (serviceName == null || !serviceName.matches("[a-z0-9.-]{1,253}")) {
      throw PlatformException.invalid("not an Endpoints service name: " + serviceName);
    }
    if (openapiYaml == null
        || !openapiYaml.contains("openapi") && !openapiYaml.contains("swagger")) {
      throw PlatformException.invalid("not an OpenAPI document (no openapi/swagger key)");
    }
    Path dir = root.resolve(serviceName);
    try {
      Files.createDirectories(dir);
      long n;
      try (Stream<Path> files = Files.list(dir)) {
        n = files.filter(p -> p.toString().endsWith(".yaml")).count() + 1;
      }
      String configId = "local-" + n;
      AtomicFiles.write(
          dir.resolve(configId + ".yaml"), openapiYaml.getBytes(StandardCharsets.UTF_8));
      AtomicFiles.write(dir.resolve("active"), configId.getBytes(StandardCharsets.UTF_8));
      return new Rollout(serviceName, configId, "rollout-" + configId);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
