package dev.mlcp.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.gax.core.GaxProperties;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.logging.Logging;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.storage.Storage;
import dev.mlcp.testing.NativeImageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;

/**
 * The platform library's native-image configuration: its records (local adapters' JSON files, port
 * records) for reflection, and DuckDB (the local Warehouse) with its JNI library as a resource, its
 * classes reachable from JNI and initialized at run time.
 */
class NativeImageConfigTest {
  private static final String ARTIFACT = "mlcp-platform";

  @Test
  void every_record_and_enum_of_the_platform_library_is_registered_for_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(PlatformException.class, ARTIFACT)).isEmpty();
  }

  @Test
  void duckdb_jni_library_for_linux_amd64_and_its_driver_service_are_included_as_resources() {
    assertThat(
            NativeImageConfig.resourceProblems(
                PlatformException.class,
                ARTIFACT,
                "libduckdb_java.so_linux_amd64",
                "META-INF/services/java.sql.Driver"))
        .isEmpty();
  }

  @Test
  void duckdb_driver_can_be_instantiated_by_the_service_loader() throws IOException {
    Set<String> reflection = new HashSet<>();
    try (InputStream in = resource("reflect-config.json")) {
      for (JsonNode entry : new ObjectMapper().readTree(in)) {
        if (entry.path("allDeclaredConstructors").asBoolean()) {
          reflection.add(entry.path("name").asText());
        }
      }
    }

    assertThat(reflection).contains(DuckDBDriver.class.getName());
  }

  @Test
  void duckdb_is_initialized_at_run_time() throws IOException {
    Properties properties = new Properties();
    try (InputStream in = resource("native-image.properties")) {
      properties.load(in);
    }

    assertThat(properties.getProperty("Args")).contains("--initialize-at-run-time=org.duckdb");
  }

  @Test
  void every_class_of_the_duckdb_driver_is_reachable_from_its_jni_library() throws Exception {
    Set<String> jni = new HashSet<>();
    try (InputStream in = resource("jni-config.json")) {
      for (JsonNode entry : new ObjectMapper().readTree(in)) {
        jni.add(entry.path("name").asText());
      }
    }
    Path jar =
        Path.of(DuckDBDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> driverClasses;
    try (JarFile file = new JarFile(jar.toFile())) {
      driverClasses =
          file.stream()
              .map(e -> e.getName())
              .filter(n -> n.startsWith("org/duckdb/") && n.endsWith(".class"))
              .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
              .toList();
    }

    assertThat(driverClasses).isNotEmpty();
    assertThat(jni).containsAll(driverClasses);
    for (String name : jni) {
      if (!name.startsWith("[")) {
        assertThat(Class.forName(name, false, getClass().getClassLoader())).isNotNull();
      }
    }
  }

  @Test
  void every_google_client_the_platform_uses_carries_its_own_native_image_metadata() {
    List<Class<?>> clients =
        List.of(
            GaxProperties.class,
            GrpcTransportChannel.class,
            InstancesClient.class,
            Storage.class,
            SecretManagerServiceClient.class,
            Logging.class,
            BigQuery.class);

    assertThat(clients)
        .allSatisfy(
            c -> assertThat(NativeImageConfig.nativeImageMetadata(c)).as(c.getName()).isNotEmpty());
    assertThat(NativeImageConfig.nativeImageMetadata(GrpcTransportChannel.class))
        .anyMatch(f -> f.endsWith("native-image.properties"));
  }

  private static InputStream resource(String file) {
    InputStream in =
        NativeImageConfigTest.class
            .getClassLoader()
            .getResourceAsStream(NativeImageConfig.resource(ARTIFACT, file));
    assertThat(in).as(file).isNotNull();
    return in;
  }
}
