package dev.mlcp.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.instances.gcp.ComputeEngineInstances;
import dev.mlcp.platform.instances.local.LocalProcessInstances;
import dev.mlcp.platform.logs.gcp.CloudLoggingLogs;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.gcp.GcsObjectStore;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.gcp.SecretManagerSecrets;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import dev.mlcp.platform.warehouse.gcp.BigQueryWarehouse;
import dev.mlcp.platform.warehouse.local.DuckDbWarehouse;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformProducersTest {

  @TempDir Path dir;
  private final PlatformProducers producers = new PlatformProducers();

  static PlatformConfig config(Map<String, String> properties) {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withMapping(PlatformConfig.class)
            .withConverter(Duration.class, 200, new DurationConverter())
            .withSources(new PropertiesConfigSource(properties, "test", 500))
            .build();
    return config.getConfigMapping(PlatformConfig.class);
  }

  @Test
  void defaults_select_the_local_adapters_under_the_state_dir() throws Exception {
    PlatformConfig config = config(Map.of("mlcp.state-dir", dir.toString()));
    Clock clock = producers.clock();

    ObjectStore store = producers.objectStore(config, clock);
    store.write(
        ObjectUri.parse("gs://b-1/x.txt"),
        "hi".getBytes(StandardCharsets.UTF_8),
        null,
        WriteCondition.none());

    assertThat(config.platform()).isEqualTo(PlatformConfig.Platform.LOCAL);
    assertThat(config.retry().initialBackoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.operations().timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.local().agentCommand()).containsExactly("bash", "infra/vm/mlcp-agent.sh");
    assertThat(store).isInstanceOf(LocalDirectoryObjectStore.class);
    assertThat(Files.readString(dir.resolve("objects/b-1/x.txt"))).isEqualTo("hi");
    assertThat(producers.secrets(config, clock)).isInstanceOf(LocalFileSecrets.class);
    assertThat(producers.logs(config, producers.idGenerator(clock)))
        .isInstanceOf(JsonLinesLogs.class);
    assertThat(producers.warehouse(config, clock)).isInstanceOf(DuckDbWarehouse.class);
    assertThat(producers.servingResources(config, clock))
        .isInstanceOf(dev.mlcp.platform.instances.local.LocalServingResources.class);
    try (Instances instances =
        producers.instances(
            config,
            clock,
            store,
            producers.secrets(config, clock),
            producers.logs(config, producers.idGenerator(clock)))) {
      assertThat(instances).isInstanceOf(LocalProcessInstances.class);
    }
  }

  @Test
  void gcp_without_a_project_id_fails_at_start_naming_the_key() {
    PlatformConfig config = config(Map.of("mlcp.platform", "gcp"));

    assertThatThrownBy(() -> producers.onStart(null, config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mlcp.project-id");
    assertThatThrownBy(() -> producers.objectStore(config, Clock.systemUTC()))
        .hasMessageContaining("mlcp.project-id");
  }

  @Test
  void gcp_with_endpoint_overrides_builds_google_adapters_that_reach_them() throws Exception {
    try (var gcs = new dev.mlcp.platform.objects.gcp.FakeGcsServerAccess(dir.resolve("gcs"))) {
      Map<String, String> p = new HashMap<>();
      p.put("mlcp.platform", "gcp");
      p.put("mlcp.project-id", "proj");
      p.put("mlcp.endpoints.storage", gcs.baseUrl());
      p.put("mlcp.endpoints.compute", "http://127.0.0.1:9");
      p.put("mlcp.endpoints.secret-manager", "127.0.0.1:9");
      p.put("mlcp.endpoints.logging", "127.0.0.1:9");
      p.put("mlcp.endpoints.bigquery", "http://127.0.0.1:9");
      p.put("mlcp.endpoints.emulator", "true");
      PlatformConfig config = config(p);
      Clock clock = producers.clock();

      producers.onStart(null, config);
      try (ObjectStore store = producers.objectStore(config, clock)) {
        store.write(
            ObjectUri.parse("gs://b-1/y.txt"),
            "via gcs".getBytes(StandardCharsets.UTF_8),
            null,
            WriteCondition.doesNotExist());
        try (ObjectRead read = store.read(ObjectUri.parse("gs://b-1/y.txt"))) {
          assertThat(new String(read.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("via gcs");
        }
        assertThat(store).isInstanceOf(GcsObjectStore.class);
      }
      try (var secrets = producers.secrets(config, clock);
          var logs = producers.logs(config, producers.idGenerator(clock));
          var warehouse = producers.warehouse(config, clock);
          var instances = producers.instances(config, clock, null, secrets, logs)) {
        assertThat(secrets).isInstanceOf(SecretManagerSecrets.class);
        assertThat(logs).isInstanceOf(CloudLoggingLogs.class);
        assertThat(warehouse).isInstanceOf(BigQueryWarehouse.class);
        assertThat(instances).isInstanceOf(ComputeEngineInstances.class);
      }
    }
  }
}
