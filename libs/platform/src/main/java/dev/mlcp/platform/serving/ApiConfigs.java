package dev.mlcp.platform.serving;

/**
 * Cloud Endpoints service configurations: a deploy that carries an OpenAPI document submits it as a
 * new configuration of the (passive, Terraform-made) Endpoints service and rolls it out.
 */
public interface ApiConfigs {

  /**
   * A configuration rolled out.
   *
   * @param serviceName the Endpoints service, e.g. {@code api.endpoints.my-project.cloud.goog}
   * @param configId the configuration id Service Management gave it
   * @param rolloutId the rollout that made it serve 100 %
   */
  record Rollout(String serviceName, String configId, String rolloutId) {}

  /**
   * Submits {@code openapiYaml} as a new configuration of {@code serviceName} and rolls it out to
   * 100 %, waiting for both operations.
   *
   * @throws dev.mlcp.platform.PlatformException INVALID_ARGUMENT for a document Service Management
   *     refuses (its message says why), PERMISSION_DENIED, TRANSIENT
   */
  Rollout submitAndRollOut(String serviceName, String openapiYaml);
}
