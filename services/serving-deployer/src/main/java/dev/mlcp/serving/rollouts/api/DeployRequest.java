package dev.mlcp.serving.rollouts.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/services/{s}/revisions}: a model version (or alias) on a model-server image.
 * Unset fields take the defaults (canary 10 → 50 → 100, 60 s bake, 1..3 replicas at 60 % CPU).
 *
 * @param image model-server container image
 * @param model registry model name
 * @param version model version; or {@code alias}
 * @param alias alias resolved at deploy time (e.g. {@code production})
 * @param sha256 expected manifest digest; the deploy is refused if the registry's differs
 * @param target {@code gce} (default) or {@code cloudrun}
 * @param machineType GCE machine type
 * @param minReplicas autoscaler lower bound
 * @param maxReplicas autoscaler upper bound
 * @param cpuTarget target CPU utilisation 0..1
 * @param healthPath health check path
 * @param port container port
 * @param env extra environment of the model server
 * @param strategy {@code direct} or {@code canary}
 * @param steps canary percents ending at 100
 * @param bakeSeconds bake time of each step
 * @param requireApproval hold before 100 % until {@code :approve}
 * @param openapi OpenAPI document for Cloud Endpoints
 * @param endpointsService Endpoints service name of {@code openapi}
 */
public record DeployRequest(
    @NotBlank @Size(max = 512) String image,
    @NotBlank @Size(max = 128) String model,
    @Size(max = 128) String version,
    @Size(max = 128) String alias,
    @Size(max = 64) String sha256,
    @Size(max = 16) String target,
    @Size(max = 63) String machineType,
    @Min(0) @Max(50) int minReplicas,
    @Min(0) @Max(100) int maxReplicas,
    double cpuTarget,
    @Size(max = 200) String healthPath,
    @Min(0) @Max(65535) int port,
    @Size(max = 50) Map<String, String> env,
    @Size(max = 16) String strategy,
    @Size(max = 10) List<Integer> steps,
    @Min(0) @Max(86400) int bakeSeconds,
    boolean requireApproval,
    @Size(max = 262144) String openapi,
    @Size(max = 253) String endpointsService) {}
