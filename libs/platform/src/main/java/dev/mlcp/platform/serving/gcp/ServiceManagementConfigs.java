package dev.mlcp.platform.serving.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.serving.ApiConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * {@link ApiConfigs} through the Service Management API (v1 REST): {@code
 * services/{name}/configs:submit} with the OpenAPI document as an {@code OPEN_API_YAML} config
 * file, then {@code services/{name}/rollouts} sending 100 % to the new config; both are
 * long-running operations polled until done. The submit is not idempotent (each call makes a new
 * config), so it is not retried; the caller records the config id it got.
 */
public final class ServiceManagementConfigs implements ApiConfigs {

  private final GoogleRest rest;
  private final Duration timeout;
  private final Duration poll;
  private final Clock clock;

  /**
   * @param endpoint Service Management REST base, e.g. {@code
   *     https://servicemanagement.googleapis.com}
   * @param emulator whether {@code endpoint} is an emulator or test server (no credentials)
   * @param retrier retries reads and polls
   * @param timeout longest wait for one operation
   * @param poll first wait between polls
   * @param clock time source of the deadline
   */
  public ServiceManagementConfigs(
      String endpoint,
      boolean emulator,
      Retrier retrier,
      Duration timeout,
      Duration poll,
      Clock clock) {
    this.rest = new GoogleRest(endpoint, GoogleRest.credentialsFor(endpoint, emulator), retrier);
    this.timeout = timeout;
    this.poll = poll;
    this.clock = clock;
  }

  @Override
  public Rollout submitAndRollOut(String serviceName, String openapiYaml) {
    if (serviceName == null || !serviceName.matches("[a-z0-9.-]{1,253}")) {
      throw PlatformException.invalid("not an Endpoints service name: " + serviceName);
    }
    ObjectNode file = Json.MAPPER.createObjectNode();
    file.put("filePath", "openapi.yaml");
    file.put(
        "fileContents",
        Base64.getEncoder().encodeToString(openapiYaml.getBytes(StandardCharsets.UTF_8)));
    file.put("fileType", "OPEN_API_YAML");
    ObjectNode submit = Json.MAPPER.createObjectNode();
    submit.putObject("configSource").putArray("files").add(file);
    String what = "submit the OpenAPI config of " + serviceName;
    JsonNode submitted =
        rest.await(
            what,
            rest.post(what, "/v1/services/" + serviceName + "/configs:submit", submit, false),
            timeout,
            poll,
            clock);
    String configId = submitted.path("serviceConfig").path("id").asText(null);
    if (configId == null) {
      throw new PlatformException(
          PlatformException.Kind.TRANSIENT, "noConfigId", what + ": no config id in the answer");
    }
    ObjectNode rollout = Json.MAPPER.createObjectNode();
    rollout.put("serviceName", serviceName);
    rollout.putObject("trafficPercentStrategy").putObject("percentages").put(configId, 100.0);
    String rollWhat = "roll out config " + configId + " of " + serviceName;
    JsonNode rolled =
        rest.await(
            rollWhat,
            rest.post(rollWhat, "/v1/services/" + serviceName + "/rollouts", rollout, false),
            timeout,
            poll,
            clock);
    return new Rollout(serviceName, configId, rolled.path("rolloutId").asText(null));
  }
}
