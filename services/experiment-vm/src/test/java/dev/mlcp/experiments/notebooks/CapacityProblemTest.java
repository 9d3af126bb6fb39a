package dev.mlcp.experiments.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.experiments.notebooks.api.CapacityProblemMapper;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A quota or a stockout answered as problem+json with GCE's reason and the quota's name. */
class CapacityProblemTest {
  @Test
  void a_quota_is_429_naming_gce_reason_and_the_quota() {
    Response response =
        new CapacityProblemMapper()
            .toResponse(
                new CapacityException(
                    CapacityException.Kind.QUOTA,
                    "QUOTA_EXCEEDED",
                    "NVIDIA_L4_GPUS",
                    List.of("europe-west4-a"),
                    "A Compute Engine quota (NVIDIA_L4_GPUS) does not allow g2-standard-8"));

    assertThat(response.getStatus()).isEqualTo(429);
    assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
    @SuppressWarnings("unchecked")
    Map<String, Object> body = (Map<String, Object>) response.getEntity();
    assertThat(body)
        .containsEntry("type", "urn:mlcp:problem:quota-exceeded")
        .containsEntry("status", 429)
        .containsEntry("reason", "QUOTA_EXCEEDED")
        .containsEntry("quota", "NVIDIA_L4_GPUS")
        .containsEntry("zonesTried", List.of("europe-west4-a"));
  }

  @Test
  void a_stockout_everywhere_is_503_with_retry_after_and_the_zones_tried() {
    Response response =
        new CapacityProblemMapper()
            .toResponse(
                new CapacityException(
                    CapacityException.Kind.STOCKOUT,
                    "ZONE_RESOURCE_POOL_EXHAUSTED",
                    null,
                    List.of("europe-west4-a", "europe-west4-b"),
                    "No zone has capacity"));

    assertThat(response.getStatus()).isEqualTo(503);
    assertThat(response.getHeaderString("Retry-After")).isEqualTo("300");
    @SuppressWarnings("unchecked")
    Map<String, Object> body = (Map<String, Object>) response.getEntity();
    assertThat(body)
        .containsEntry("type", "urn:mlcp:problem:unavailable")
        .containsEntry("reason", "ZONE_RESOURCE_POOL_EXHAUSTED")
        .doesNotContainKey("quota");
  }
}
