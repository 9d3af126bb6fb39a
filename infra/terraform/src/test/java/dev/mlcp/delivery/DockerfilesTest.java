package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Each service's images follow Quarkus' conventions: target/*-runner, target/quarkus-app. */
class DockerfilesTest {

  @Test
  void every_service_has_a_native_micro_image_of_its_runner() throws IOException {
    for (String service : CodeLists.services()) {
      String dockerfile = read(service, "Dockerfile.native-micro");
      assertThat(dockerfile)
          .as(service)
          .contains("FROM quay.io/quarkus/ubi9-quarkus-micro-image:")
          .contains("COPY --chown=1001:root --chmod=0755 target/*-runner /work/application")
          .contains("USER 1001")
          .contains("EXPOSE 8080")
          .contains("ENTRYPOINT [\"./application\", \"-Dquarkus.http.host=0.0.0.0\"]");
    }
  }

  @Test
  void every_service_has_a_jvm_fallback_of_its_fast_jar() throws IOException {
    for (String service : CodeLists.services()) {
      String dockerfile = read(service, "Dockerfile.jvm");
      assertThat(dockerfile)
          .as(service)
          .contains("FROM registry.access.redhat.com/ubi9/openjdk-17")
          .contains("COPY --chown=185 target/quarkus-app/lib/ /deployments/lib/")
          .contains("COPY --chown=185 target/quarkus-app/quarkus/ /deployments/quarkus/")
          .contains("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\"")
          .contains("USER 185");
    }
  }

  private static String read(String service, String name) throws IOException {
    Path file =
        Repo.root().resolve("services").resolve(service).resolve("src/main/docker").resolve(name);
    assertThat(file).as("%s needs %s", service, name).isRegularFile();
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
