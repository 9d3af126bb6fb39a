package dev.mlcp.experiments;

import dev.mlcp.platform.objects.ObjectUri;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;

/** Checks experiment-vm's configuration at start-up and fails naming the key. */
@ApplicationScoped
public class ConfigChecks {

  void onStart(
      @Observes StartupEvent event,
      ExperimentsConfig experiments,
      ArtifactsConfig artifacts,
      WarehouseConfig warehouse) {
    validate(experiments, artifacts, warehouse);
  }

  /**
   * Fails with the key's name when a value cannot work.
   *
   * @throws IllegalStateException naming the key
   */
  static void validate(
      ExperimentsConfig experiments, ArtifactsConfig artifacts, WarehouseConfig warehouse) {
    uri(experiments.stateUri(), "mlcp.experiments.state-uri");
    uri(artifacts.uri(), "mlcp.experiments.artifacts.uri");
    if (experiments.defaultZones().isEmpty()) {
      throw new IllegalStateException("mlcp.experiments.default-zones must name a zone");
    }
    ExperimentsConfig.Caps caps = experiments.caps();
    positive(caps.maxTtl(), "mlcp.experiments.caps.max-ttl");
    if (caps.defaultTtl().compareTo(caps.maxTtl()) > 0) {
      throw new IllegalStateException(
          "mlcp.experiments.caps.default-ttl must not exceed mlcp.experiments.caps.max-ttl");
    }
    if (caps.minIdleTimeout().compareTo(caps.maxIdleTimeout()) > 0
        || caps.defaultIdleTimeout().compareTo(caps.minIdleTimeout()) < 0
        || caps.defaultIdleTimeout().compareTo(caps.maxIdleTimeout()) > 0) {
      throw new IllegalStateException(
          "mlcp.experiments.caps.default-idle-timeout must lie between"
              + " mlcp.experiments.caps.min-idle-timeout and max-idle-timeout");
    }
    if (caps.maxConcurrentPerOwner() < 1) {
      throw new IllegalStateException(
          "mlcp.experiments.caps.max-concurrent-per-owner must be at least 1");
    }
    // GCE's maxRunDuration is 30 s to 120 days.
    if (caps.maxTtl().compareTo(Duration.ofDays(120)) > 0) {
      throw new IllegalStateException("mlcp.experiments.caps.max-ttl must be at most P120D");
    }
    positive(experiments.heartbeatInterval(), "mlcp.experiments.heartbeat-interval");
    if (experiments.jupyterPort() < 0 || experiments.jupyterPort() > 65535) {
      throw new IllegalStateException("mlcp.experiments.jupyter-port must be a port number");
    }
    if (warehouse.maxBytesBilled() <= 0) {
      throw new IllegalStateException(
          "mlcp.experiments.warehouse.max-bytes-billed must be positive");
    }
  }

  /** Parses a {@code gs://} URI from config, naming the key when it is not one. */
  static ObjectUri uri(String value, String key) {
    try {
      return ObjectUri.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(key + " must be gs://BUCKET[/PREFIX]: " + e.getMessage(), e);
    }
  }

  private static void positive(Duration d, String key) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalStateException(key + " must be positive");
    }
  }
}
