package dev.mlcp.delivery;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the checkout the tests read. */
final class Repo {
  private Repo() {}

  /**
   * The repository root ({@code mlcp.repo}, set by the build; else two levels above the module).
   */
  static Path root() {
    String property = System.getProperty("mlcp.repo");
    Path root = property != null ? Path.of(property) : Path.of("../..");
    root = root.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("libs"))) {
      throw new IllegalStateException("not the mlcp checkout: " + root);
    }
    return root;
  }

  /** {@code infra/terraform}. */
  static Path terraform() {
    return root().resolve("infra/terraform");
  }

  /** {@code services/<service>/src/main/resources/application.properties}. */
  static Path applicationProperties(String service) {
    return root()
        .resolve("services")
        .resolve(service)
        .resolve("src/main/resources/application.properties");
  }
}
