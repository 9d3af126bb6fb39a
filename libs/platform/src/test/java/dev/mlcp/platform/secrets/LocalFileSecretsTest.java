package dev.mlcp.platform.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFileSecretsTest extends SecretsContract {

  @TempDir Path root;
  private LocalFileSecrets secrets;

  @BeforeEach
  void setUp() {
    secrets = new LocalFileSecrets(root.resolve("secrets"), Clock.systemUTC());
  }

  @Override
  protected Secrets secrets() {
    return secrets;
  }

  @Test
  void value_files_are_readable_only_by_the_owner() throws Exception {
    secrets.create("key", Map.of());
    secrets.addVersion("key", SecretValue.ofUtf8("v"));

    try (Stream<Path> files = Files.walk(root.resolve("secrets"))) {
      for (Path file :
          files.filter(Files::isRegularFile).filter(p -> !p.endsWith(".lock")).toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .as(file.toString())
            .isEqualTo("rw-------");
      }
    }
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("secrets"))))
        .isEqualTo("rwx------");
  }
}
